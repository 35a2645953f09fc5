package io.mmserve.gateway;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.mmserve.gallery.v1.CollectionInfo;
import io.mmserve.gallery.v1.DeleteVectorsRequest;
import io.mmserve.gallery.v1.DeleteVectorsResponse;
import io.mmserve.gallery.v1.DescribeCollectionRequest;
import io.mmserve.gallery.v1.DropCollectionRequest;
import io.mmserve.gallery.v1.DropCollectionResponse;
import io.mmserve.gallery.v1.GalleryGrpc;
import io.mmserve.gallery.v1.ListCollectionsRequest;
import io.mmserve.gallery.v1.ListCollectionsResponse;
import io.mmserve.gallery.v1.ModelRef;
import io.mmserve.gallery.v1.SearchVectorsRequest;
import io.mmserve.gallery.v1.SearchVectorsResponse;
import io.mmserve.gallery.v1.UpsertVectorsRequest;
import io.mmserve.gallery.v1.UpsertVectorsResponse;
import io.mmserve.gallery.v1.VectorHit;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A gallery-svc for gateway tests: keeps collection descriptions (created by the first upsert or by
 * {@link #add}), remembers the last upsert, search, delete and drop, and answers a search with
 * {@link #HIT}. It checks nothing else: the real rules are gallery-svc's own tests.
 */
final class FakeGallery extends GalleryGrpc.GalleryImplBase {
  static final VectorHit HIT =
      VectorHit.newBuilder()
          .setId("hit")
          .setScore(0.5f)
          .putMetadata("colour", "red")
          .setThumbnail(com.google.protobuf.ByteString.copyFromUtf8("jpeg"))
          .build();

  final Map<String, CollectionInfo> collections = new ConcurrentSkipListMap<>();
  volatile UpsertVectorsRequest lastUpsert;
  volatile SearchVectorsRequest lastSearch;
  volatile DeleteVectorsRequest lastDelete;
  volatile DropCollectionRequest lastDrop;

  /** A collection of {@code size} items made by {@code name@version}. */
  void add(String collection, String name, String version, int dimension, long size) {
    collections.put(
        collection,
        CollectionInfo.newBuilder()
            .setName(collection)
            .setModel(ModelRef.newBuilder().setName(name).setVersion(version))
            .setDimension(dimension)
            .setSize(size)
            .setBackend("fake")
            .build());
  }

  @Override
  public void upsertVectors(
      UpsertVectorsRequest request, StreamObserver<UpsertVectorsResponse> out) {
    lastUpsert = request;
    CollectionInfo before = collections.get(request.getCollection());
    long size = (before == null ? 0 : before.getSize()) + request.getItemsCount();
    add(
        request.getCollection(),
        request.getModel().getName(),
        request.getModel().getVersion(),
        (int) request.getVectors().getShape(1),
        size);
    out.onNext(
        UpsertVectorsResponse.newBuilder()
            .setUpserted(request.getItemsCount())
            .setCollectionSize(size)
            .setCreated(before == null)
            .build());
    out.onCompleted();
  }

  @Override
  public void searchVectors(
      SearchVectorsRequest request, StreamObserver<SearchVectorsResponse> out) {
    lastSearch = request;
    out.onNext(SearchVectorsResponse.newBuilder().addHits(HIT).build());
    out.onCompleted();
  }

  @Override
  public void deleteVectors(
      DeleteVectorsRequest request, StreamObserver<DeleteVectorsResponse> out) {
    lastDelete = request;
    out.onNext(DeleteVectorsResponse.newBuilder().setDeleted(request.getIdsCount()).build());
    out.onCompleted();
  }

  @Override
  public void dropCollection(
      DropCollectionRequest request, StreamObserver<DropCollectionResponse> out) {
    lastDrop = request;
    CollectionInfo gone = collections.remove(request.getCollection());
    // as gallery-svc: dropping a collection that does not exist deletes nothing
    long deleted = gone == null ? 0 : gone.getSize();
    out.onNext(DropCollectionResponse.newBuilder().setDeleted(deleted).build());
    out.onCompleted();
  }

  @Override
  public void describeCollection(
      DescribeCollectionRequest request, StreamObserver<CollectionInfo> out) {
    CollectionInfo info = collections.get(request.getCollection());
    if (info == null) {
      out.onError(
          Status.NOT_FOUND
              .withDescription("collection '" + request.getCollection() + "' does not exist")
              .asRuntimeException());
      return;
    }
    out.onNext(info);
    out.onCompleted();
  }

  @Override
  public void listCollections(
      ListCollectionsRequest request, StreamObserver<ListCollectionsResponse> out) {
    out.onNext(
        ListCollectionsResponse.newBuilder().addAllCollections(collections.values()).build());
    out.onCompleted();
  }
}
