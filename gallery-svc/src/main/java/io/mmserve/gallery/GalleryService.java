package io.mmserve.gallery;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.mmserve.gallery.index.CollectionInfo;
import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.index.Hit;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.ModelRef;
import io.mmserve.gallery.index.SearchResult;
import io.mmserve.gallery.v1.DeleteVectorsRequest;
import io.mmserve.gallery.v1.DeleteVectorsResponse;
import io.mmserve.gallery.v1.DescribeCollectionRequest;
import io.mmserve.gallery.v1.DropCollectionRequest;
import io.mmserve.gallery.v1.DropCollectionResponse;
import io.mmserve.gallery.v1.GalleryGrpc;
import io.mmserve.gallery.v1.ListCollectionsRequest;
import io.mmserve.gallery.v1.ListCollectionsResponse;
import io.mmserve.gallery.v1.SearchVectorsRequest;
import io.mmserve.gallery.v1.SearchVectorsResponse;
import io.mmserve.gallery.v1.UpsertVectorsRequest;
import io.mmserve.gallery.v1.UpsertVectorsResponse;
import io.mmserve.gallery.v1.VectorHit;
import io.mmserve.gallery.v1.VectorItem;
import io.mmserve.inference.DType;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.TensorCodec;
import io.mmserve.kit.deadline.Deadlines;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.StatusMapper;
import io.mmserve.kit.server.Replies;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code mmserve.gallery.v1.Gallery}: translates the messages to the {@link Gallery}'s terms and
 * back, on the calling gRPC thread (a write returns once durable). {@link Replies} sends the
 * answers: every error reaches the client through {@link StatusMapper}.
 */
public final class GalleryService extends GalleryGrpc.GalleryImplBase {
  private final Gallery gallery;

  public GalleryService(Gallery gallery) {
    this.gallery = gallery;
  }

  @Override
  public void upsertVectors(
      UpsertVectorsRequest request, StreamObserver<UpsertVectorsResponse> out) {
    respond(
        out,
        () -> {
          Gallery.Upserted done =
              gallery.upsert(
                  request.getCollection(),
                  model(request.hasModel(), request.getModel()),
                  items(request));
          return UpsertVectorsResponse.newBuilder()
              .setUpserted(done.upserted())
              .setCollectionSize(done.size())
              .setCreated(done.created())
              .build();
        });
  }

  @Override
  public void searchVectors(
      SearchVectorsRequest request, StreamObserver<SearchVectorsResponse> out) {
    respond(
        out,
        () -> {
          if (!request.hasQuery()) {
            throw new InvalidInputException(
                FieldViolation.of("query", "a query vector is required"));
          }
          Tensor query = TensorCodec.decode("query", request.getQuery(), DType.FLOAT32);
          if (query.rank() != 1) {
            throw new InvalidInputException(
                FieldViolation.of("query", "must be a vector [D], but has rank " + query.rank()));
          }
          SearchResult result =
              gallery.search(
                  request.getCollection(),
                  model(request.hasModel(), request.getModel()),
                  query.toFloatArray(),
                  request.getTopK(),
                  request.getFilter(),
                  request.getExact());
          SearchVectorsResponse.Builder response =
              SearchVectorsResponse.newBuilder().setExact(result.exact());
          for (Hit hit : result.hits()) {
            VectorHit.Builder found =
                VectorHit.newBuilder()
                    .setId(hit.id())
                    .setScore(hit.score())
                    .putAllMetadata(hit.metadata());
            if (!request.getOmitThumbnails()) {
              found.setThumbnail(ByteString.copyFrom(hit.thumbnail()));
            }
            response.addHits(found);
          }
          return response.build();
        });
  }

  @Override
  public void deleteVectors(
      DeleteVectorsRequest request, StreamObserver<DeleteVectorsResponse> out) {
    respond(
        out,
        () ->
            DeleteVectorsResponse.newBuilder()
                .setDeleted(gallery.delete(request.getCollection(), request.getIdsList()))
                .build());
  }

  @Override
  public void dropCollection(
      DropCollectionRequest request, StreamObserver<DropCollectionResponse> out) {
    respond(
        out,
        () ->
            DropCollectionResponse.newBuilder()
                .setDeleted(gallery.drop(request.getCollection()))
                .build());
  }

  @Override
  public void describeCollection(
      DescribeCollectionRequest request, StreamObserver<io.mmserve.gallery.v1.CollectionInfo> out) {
    respond(out, () -> toProto(gallery.describe(request.getCollection())));
  }

  @Override
  public void listCollections(
      ListCollectionsRequest request, StreamObserver<ListCollectionsResponse> out) {
    respond(
        out,
        () -> {
          ListCollectionsResponse.Builder response = ListCollectionsResponse.newBuilder();
          gallery.list().forEach(c -> response.addCollections(toProto(c)));
          return response.build();
        });
  }

  /** The collection as the proto lists it. */
  static io.mmserve.gallery.v1.CollectionInfo toProto(CollectionInfo info) {
    return io.mmserve.gallery.v1.CollectionInfo.newBuilder()
        .setName(info.spec().name())
        .setModel(
            io.mmserve.gallery.v1.ModelRef.newBuilder()
                .setName(info.spec().model().name())
                .setVersion(info.spec().model().version()))
        .setDimension(info.spec().dimension())
        .setSize(info.size())
        .setBackend(info.backend())
        .build();
  }

  private static ModelRef model(boolean present, io.mmserve.gallery.v1.ModelRef model) {
    if (!present || model.getName().isEmpty() || model.getVersion().isEmpty()) {
      throw new InvalidInputException(
          FieldViolation.of("model", "the model name and version of the vectors are required"));
    }
    return new ModelRef(model.getName(), model.getVersion());
  }

  /** Row i of the vectors tensor with items[i]'s id and metadata. */
  private static List<Item> items(UpsertVectorsRequest request) {
    int n = request.getItemsCount();
    if (!request.hasVectors()) {
      throw new InvalidInputException(
          FieldViolation.of("vectors", "the item vectors are required"));
    }
    Tensor vectors = TensorCodec.decode("vectors", request.getVectors(), DType.FLOAT32);
    if (vectors.rank() != 2 || vectors.dim(0) != n) {
      throw new InvalidInputException(
          FieldViolation.of(
              "vectors",
              "must be [N, D] with N = "
                  + n
                  + " items, but has shape "
                  + java.util.Arrays.toString(vectors.shape())));
    }
    float[] values = vectors.toFloatArray();
    int dimension = n == 0 ? 0 : values.length / n;
    List<Item> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      float[] row = java.util.Arrays.copyOfRange(values, i * dimension, (i + 1) * dimension);
      VectorItem item = request.getItems(i);
      items.add(
          new Item(item.getId(), row, item.getMetadataMap(), item.getThumbnail().toByteArray()));
    }
    return items;
  }

  private static <T> void respond(StreamObserver<T> out, Supplier<T> call) {
    Replies.now(
        () -> {
          Deadlines.checkNotExpired();
          return call.get();
        },
        out);
  }
}
