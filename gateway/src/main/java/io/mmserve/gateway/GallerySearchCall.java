package io.mmserve.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.mmserve.api.v1.SearchHit;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.SearchResponse;
import io.mmserve.gallery.v1.CollectionInfo;
import io.mmserve.gallery.v1.SearchVectorsRequest;
import io.mmserve.gallery.v1.SearchVectorsResponse;
import io.mmserve.gallery.v1.VectorHit;
import io.mmserve.inference.TensorCodec;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.NotFoundException;
import java.util.List;
import java.util.Optional;

/**
 * Search: looks the collection up in gallery-svc, embeds a text or image query with the
 * collection's model (a ready embedding is L2-normalised here), and asks gallery-svc for the
 * nearest items. When the encoders now serve another version of that model than the collection's,
 * gallery-svc refuses with FAILED_PRECONDITION naming both.
 */
final class GallerySearchCall {
  private final Backends.Calls backends;
  private final GalleryCollections collections;
  private final GalleryEmbedder embedder;

  GallerySearchCall(Backends.Calls backends) {
    this.backends = backends;
    this.collections = new GalleryCollections(backends);
    this.embedder = new GalleryEmbedder(backends);
  }

  /**
   * Checks the request and starts the call.
   *
   * @throws InvalidInputException on a bad query, before any backend is called
   */
  ListenableFuture<SearchResponse> run(SearchRequest request) {
    switch (request.getQueryCase()) {
      case QUERY_NOT_SET ->
          throw new InvalidInputException(
              FieldViolation.of("text", "give a text, an image or an embedding to search with"));
      case IMAGE -> ImageChecks.describe(request.getImage()).check("image");
      default -> {}
    }
    return Futures.transformAsync(
        collections.describe(request.getCollection()),
        found -> search(request, found),
        directExecutor());
  }

  private ListenableFuture<SearchResponse> search(
      SearchRequest request, Optional<CollectionInfo> found) {
    CollectionInfo collection =
        found.orElseThrow(
            () ->
                new NotFoundException(
                    "collection '" + request.getCollection() + "' does not exist"));
    // the collection's own version, whatever the router would pick: vectors of two versions are
    // not comparable
    String model = GalleryCollections.modelOf(collection).pinned();
    ListenableFuture<GalleryEmbedder.Embedded> query =
        switch (request.getQueryCase()) {
          case TEXT -> embedder.texts(model, List.of(request.getText()), request.getRequestId());
          case IMAGE -> embedder.images(model, List.of(request.getImage()), request.getRequestId());
          default ->
              Futures.immediateFuture(
                  new GalleryEmbedder.Embedded(
                      List.of(GalleryEmbedder.given("embedding", request.getEmbedding())),
                      GalleryCollections.modelOf(collection)));
        };
    return Futures.transform(
        Futures.transformAsync(
            query,
            embedded -> backends.searchVectors(toGallery(request, embedded)),
            directExecutor()),
        response -> toResponse(request, response),
        directExecutor());
  }

  private static SearchVectorsRequest toGallery(
      SearchRequest request, GalleryEmbedder.Embedded query) {
    float[] vector = query.rows().getFirst();
    return SearchVectorsRequest.newBuilder()
        .setCollection(request.getCollection())
        .setModel(GalleryCollections.modelRef(query.model()))
        .setQuery(TensorCodec.encodeFloats(vector, vector.length))
        .setTopK(request.getTopK())
        .setFilter(request.getFilter())
        .setExact(request.getExact())
        .setOmitThumbnails(request.getOmitThumbnails())
        .build();
  }

  private static SearchResponse toResponse(SearchRequest request, SearchVectorsResponse answer) {
    SearchResponse.Builder out = SearchResponse.newBuilder().setRequestId(request.getRequestId());
    for (VectorHit hit : answer.getHitsList()) {
      out.addHits(
          SearchHit.newBuilder()
              .setId(hit.getId())
              .setScore(hit.getScore())
              .putAllMetadata(hit.getMetadataMap())
              .setThumbnail(hit.getThumbnail()));
    }
    return out.build();
  }
}
