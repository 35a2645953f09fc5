package io.mmserve.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Collection;
import io.mmserve.api.v1.DeleteRequest;
import io.mmserve.api.v1.DeleteResponse;
import io.mmserve.api.v1.ListCollectionsRequest;
import io.mmserve.api.v1.ListCollectionsResponse;
import io.mmserve.gallery.v1.CollectionInfo;
import io.mmserve.gallery.v1.DeleteVectorsRequest;
import io.mmserve.gallery.v1.DescribeCollectionRequest;
import io.mmserve.gallery.v1.DropCollectionRequest;
import io.mmserve.gallery.v1.ModelRef;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import java.util.Optional;

/**
 * The gallery calls that need no encoder (Delete, ListCollections) and what the others share: a
 * collection's description, and the model version of encoder answers in gallery-svc's terms.
 */
final class GalleryCollections {
  private final Backends.Calls backends;

  GalleryCollections(Backends.Calls backends) {
    this.backends = backends;
  }

  /** The collection's description, or empty if there is none. */
  ListenableFuture<Optional<CollectionInfo>> describe(String collection) {
    ListenableFuture<Optional<CollectionInfo>> found =
        Futures.transform(
            backends.describeCollection(
                DescribeCollectionRequest.newBuilder().setCollection(collection).build()),
            Optional::of,
            directExecutor());
    return Futures.catching(
        found,
        StatusRuntimeException.class,
        e -> {
          if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
            return Optional.empty();
          }
          throw e;
        },
        directExecutor());
  }

  /**
   * Delete: the ids, or with {@code delete_collection} the whole collection.
   *
   * @throws InvalidInputException if both or neither are asked for
   */
  ListenableFuture<DeleteResponse> delete(DeleteRequest request) {
    if (request.getDeleteCollection() == (request.getIdsCount() > 0)) {
      throw new InvalidInputException(
          FieldViolation.of(
              "ids",
              request.getDeleteCollection()
                  ? "must be empty when delete_collection is set"
                  : "give the ids to delete, or set delete_collection"));
    }
    if (request.getDeleteCollection()) {
      return Futures.transform(
          backends.dropCollection(
              DropCollectionRequest.newBuilder().setCollection(request.getCollection()).build()),
          r -> deleted(request, r.getDeleted()),
          directExecutor());
    }
    return Futures.transform(
        backends.deleteVectors(
            DeleteVectorsRequest.newBuilder()
                .setCollection(request.getCollection())
                .addAllIds(request.getIdsList())
                .build()),
        r -> deleted(request, r.getDeleted()),
        directExecutor());
  }

  /** ListCollections: every collection with its size, model version and backend. */
  ListenableFuture<ListCollectionsResponse> list(ListCollectionsRequest request) {
    return Futures.transform(
        backends.listCollections(io.mmserve.gallery.v1.ListCollectionsRequest.getDefaultInstance()),
        r -> {
          ListCollectionsResponse.Builder out =
              ListCollectionsResponse.newBuilder().setRequestId(request.getRequestId());
          for (CollectionInfo c : r.getCollectionsList()) {
            out.addCollections(
                Collection.newBuilder()
                    .setName(c.getName())
                    .setModel(c.getModel().getName())
                    .setModelVersion(c.getModel().getVersion())
                    .setDimension(c.getDimension())
                    .setSize(c.getSize())
                    .setBackend(c.getBackend()));
          }
          return out.build();
        },
        directExecutor());
  }

  /** An encoder's model version in gallery-svc's terms. */
  static ModelRef modelRef(ModelVersion model) {
    return ModelRef.newBuilder().setName(model.name()).setVersion(model.version()).build();
  }

  /** A collection's model version in the gateway's terms. */
  static ModelVersion modelOf(CollectionInfo collection) {
    return new ModelVersion(collection.getModel().getName(), collection.getModel().getVersion());
  }

  private static DeleteResponse deleted(DeleteRequest request, long count) {
    return DeleteResponse.newBuilder()
        .setDeleted((int) Math.min(count, Integer.MAX_VALUE))
        .setRequestId(request.getRequestId())
        .build();
  }
}
