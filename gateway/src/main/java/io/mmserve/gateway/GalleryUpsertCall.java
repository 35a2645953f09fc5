package io.mmserve.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.UpsertRequest;
import io.mmserve.api.v1.UpsertResponse;
import io.mmserve.gallery.v1.CollectionInfo;
import io.mmserve.gallery.v1.UpsertVectorsRequest;
import io.mmserve.gallery.v1.VectorItem;
import io.mmserve.gateway.thumbnail.Thumbnailer;
import io.mmserve.inference.TensorCodec;
import io.mmserve.kit.errors.FailedPreconditionException;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Upsert: embeds the items' texts and images (both encoders at once, batched as every call),
 * L2-normalises ready embeddings, and writes the vectors to gallery-svc, which answers once the
 * write is durable. An existing collection's items are embedded with the collection's own version
 * (a request naming another model or version is refused, FAILED_PRECONDITION naming both), whatever
 * the canary weights; a new collection gets the request's model as the {@link
 * io.mmserve.gateway.routing.VersionRouter} routes it, and gallery-svc pins it to the version that
 * made its vectors.
 *
 * <p>Ready embeddings alone carry no model version: they are taken as the collection's; for a new
 * collection the gateway asks the text encoder which version its model is (one short text).
 *
 * <p>When thumbnails are on, {@link #run} has the {@link Thumbnailer}'s own threads make them,
 * never the calling thread (a gRPC event loop): the embeddings are requested as soon as the
 * collection lookup answers, independently of the thumbnails, and the write to gallery-svc waits
 * for both.
 */
final class GalleryUpsertCall {
  /** Embedded to learn the default model's version and dimension when only embeddings are given. */
  static final String PROBE_TEXT = "a photo";

  private final Backends.Calls backends;
  private final RequestLimits limits;
  private final GalleryCollections collections;
  private final GalleryEmbedder embedder;
  private final Thumbnailer thumbnailer;
  private final UnaryOperator<String> newCollectionModel;

  /**
   * @param newCollectionModel the model (pinned when routed) a new collection's items are embedded
   *     with, given the request's model
   */
  GalleryUpsertCall(
      Backends.Calls backends,
      RequestLimits limits,
      Thumbnailer thumbnailer,
      UnaryOperator<String> newCollectionModel) {
    this.newCollectionModel = newCollectionModel;
    this.backends = backends;
    this.limits = limits;
    this.collections = new GalleryCollections(backends);
    this.embedder = new GalleryEmbedder(backends);
    this.thumbnailer = thumbnailer;
  }

  /**
   * Checks the request and starts the call.
   *
   * @throws InvalidInputException on bad items, before any backend is called
   */
  ListenableFuture<UpsertResponse> run(UpsertRequest request) {
    List<String> texts = new ArrayList<>();
    List<Image> images = new ArrayList<>();
    int embeddings = 0;
    if (request.getItemsCount() == 0) {
      throw new InvalidInputException(FieldViolation.of("items", "at least one item is required"));
    }
    for (int i = 0; i < request.getItemsCount(); i++) {
      GalleryItem item = request.getItems(i);
      switch (item.getContentCase()) {
        case TEXT -> texts.add(item.getText());
        case IMAGE -> {
          ImageChecks.describe(item.getImage()).check("items[" + i + "].image");
          images.add(item.getImage());
        }
        case EMBEDDING -> embeddings++;
        case CONTENT_NOT_SET ->
            throw new InvalidInputException(
                FieldViolation.of("items[" + i + "]", "give an image, a text or an embedding"));
      }
    }
    if (!texts.isEmpty()) {
      limits.checkTextCount("items", texts.size());
    }
    if (!images.isEmpty()) {
      limits.checkImageCount("items", images.size());
    }
    if (embeddings > 0) {
      limits.checkEmbeddingCount("items", embeddings);
    }
    ListenableFuture<List<ByteString>> thumbnails = thumbnailer.makeAll(request.getItemsList());
    return Futures.transformAsync(
        collections.describe(request.getCollection()),
        found -> embed(request, found, texts, images, thumbnails),
        directExecutor());
  }

  private ListenableFuture<UpsertResponse> embed(
      UpsertRequest request,
      Optional<CollectionInfo> collection,
      List<String> texts,
      List<Image> images,
      ListenableFuture<List<ByteString>> thumbnails) {
    String model =
        collection
            .map(c -> ofCollection(request.getModel(), c).model().pinned())
            .orElseGet(() -> newCollectionModel.apply(request.getModel()));
    ListenableFuture<Optional<GalleryEmbedder.Embedded>> textRows =
        texts.isEmpty()
            ? Futures.immediateFuture(Optional.empty())
            : Futures.transform(
                embedder.texts(model, texts, request.getRequestId()),
                Optional::of,
                directExecutor());
    ListenableFuture<Optional<GalleryEmbedder.Embedded>> imageRows =
        images.isEmpty()
            ? Futures.immediateFuture(Optional.empty())
            : Futures.transform(
                embedder.images(model, images, request.getRequestId()),
                Optional::of,
                directExecutor());
    return Futures.whenAllSucceed(textRows, imageRows, thumbnails)
        .callAsync(
            () ->
                write(
                    request,
                    collection,
                    model,
                    Futures.getDone(textRows),
                    Futures.getDone(imageRows),
                    Futures.getDone(thumbnails)),
            directExecutor());
  }

  private ListenableFuture<UpsertResponse> write(
      UpsertRequest request,
      Optional<CollectionInfo> collection,
      String model,
      Optional<GalleryEmbedder.Embedded> texts,
      Optional<GalleryEmbedder.Embedded> images,
      List<ByteString> thumbnails) {
    if (texts.isPresent() && images.isPresent()) {
      ModelVersion t = texts.get().model();
      Encodings.requireVersion(
          Backends.VISION_ENCODER, t, images.get().model().name(), images.get().model().version());
    }
    ListenableFuture<Identity> identity;
    if (texts.or(() -> images).isPresent()) {
      GalleryEmbedder.Embedded any = texts.or(() -> images).get();
      identity = Futures.immediateFuture(new Identity(any.model(), any.dimension()));
    } else if (collection.isPresent()) {
      identity = Futures.immediateFuture(ofCollection(request.getModel(), collection.get()));
    } else {
      identity =
          Futures.transform(
              embedder.texts(model, List.of(PROBE_TEXT), request.getRequestId()),
              probe -> new Identity(probe.model(), probe.dimension()),
              directExecutor());
    }
    return Futures.transformAsync(
        identity,
        id ->
            Futures.transform(
                backends.upsertVectors(toGallery(request, id, texts, images, thumbnails)),
                r ->
                    UpsertResponse.newBuilder()
                        .setUpserted(r.getUpserted())
                        .setCollectionSize(r.getCollectionSize())
                        .setRequestId(request.getRequestId())
                        .build(),
                directExecutor()),
        directExecutor());
  }

  /** The model version and dimension the items' vectors have. */
  private record Identity(ModelVersion model, int dimension) {}

  /**
   * Ready embeddings for an existing collection are its model's; a request that names another model
   * (or another version of it) is refused.
   */
  private static Identity ofCollection(String requested, CollectionInfo collection) {
    ModelVersion model = GalleryCollections.modelOf(collection);
    if (!requested.isEmpty()
        && !requested.equals(model.name())
        && !requested.equals(model.pinned())) {
      throw new FailedPreconditionException(
          "collection '"
              + collection.getName()
              + "' holds embeddings of "
              + model
              + ", but the request names model "
              + requested
              + "; embeddings of two model versions are not comparable");
    }
    return new Identity(model, collection.getDimension());
  }

  private static UpsertVectorsRequest toGallery(
      UpsertRequest request,
      Identity identity,
      Optional<GalleryEmbedder.Embedded> texts,
      Optional<GalleryEmbedder.Embedded> images,
      List<ByteString> thumbnails) {
    UpsertVectorsRequest.Builder out =
        UpsertVectorsRequest.newBuilder()
            .setCollection(request.getCollection())
            .setModel(GalleryCollections.modelRef(identity.model()));
    List<float[]> rows = new ArrayList<>(request.getItemsCount());
    int text = 0;
    int image = 0;
    for (int i = 0; i < request.getItemsCount(); i++) {
      GalleryItem item = request.getItems(i);
      float[] row =
          switch (item.getContentCase()) {
            case TEXT -> texts.orElseThrow().rows().get(text++);
            case IMAGE -> images.orElseThrow().rows().get(image++);
            default -> given(i, item, identity);
          };
      rows.add(row);
      out.addItems(
          VectorItem.newBuilder()
              .setId(item.getId())
              .putAllMetadata(item.getMetadataMap())
              .setThumbnail(thumbnails.get(i)));
    }
    return out.setVectors(TensorCodec.encodeRows(rows)).build();
  }

  private static float[] given(int i, GalleryItem item, Identity identity) {
    String path = "items[" + i + "].embedding";
    float[] row = GalleryEmbedder.given(path, item.getEmbedding());
    if (row.length != identity.dimension()) {
      throw new InvalidInputException(
          FieldViolation.of(
              path,
              row.length
                  + " values, but model "
                  + identity.model()
                  + " embeds into "
                  + identity.dimension()
                  + " dimensions"));
    }
    return row;
  }
}
