package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Collection;
import io.mmserve.api.v1.DeleteRequest;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.ListCollectionsRequest;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalBlockingStub;
import io.mmserve.api.v1.SearchHit;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.SearchResponse;
import io.mmserve.api.v1.UpsertRequest;
import io.mmserve.api.v1.UpsertResponse;
import java.util.List;

/**
 * Retrieval through the real gateway, encoders and gallery-svc (LocalStackIT's stack): images of
 * shapes are upserted, found by text and by image, filtered, deleted; a request naming another
 * model version is refused.
 */
final class GalleryRetrieval {
  static final List<String> SCENES =
      List.of("red circle", "blue square", "green triangle", "yellow star", "orange circle");

  private final MultimodalBlockingStub gateway;

  GalleryRetrieval(MultimodalBlockingStub gateway) {
    this.gateway = gateway;
  }

  /** Upserts the scenes as images, ids like "red-circle", metadata colour and shape. */
  UpsertResponse upsertScenes(String collection) {
    UpsertRequest.Builder request = UpsertRequest.newBuilder().setCollection(collection);
    for (String scene : SCENES) {
      String[] words = scene.split(" ");
      request.addItems(
          GalleryItem.newBuilder()
              .setId(words[0] + "-" + words[1])
              .setImage(ShapeScenes.scene(words[0], words[1]))
              .putMetadata("colour", words[0])
              .putMetadata("shape", words[1]));
    }
    return gateway.upsert(request.build());
  }

  SearchResponse searchText(String collection, String text, int topK, String filter) {
    return gateway.search(
        SearchRequest.newBuilder()
            .setCollection(collection)
            .setText(text)
            .setTopK(topK)
            .setFilter(filter)
            .build());
  }

  void textQueriesFindTheirScene(String collection) {
    upsertScenes(collection);
    for (String scene : SCENES) {
      SearchResponse response = searchText(collection, "a " + scene, 3, "");

      assertEquals(3, response.getHitsCount());
      assertEquals(scene.replace(' ', '-'), response.getHits(0).getId(), response.toString());
      SearchHit top = response.getHits(0);
      assertEquals(scene.split(" ")[0], top.getMetadataMap().get("colour"));
      for (int i = 1; i < response.getHitsCount(); i++) {
        assertTrue(response.getHits(i - 1).getScore() >= response.getHits(i).getScore());
      }
    }
  }

  void imageQueryFindsItselfAndFiltersHold(String collection) {
    upsertScenes(collection);

    SearchResponse byImage =
        gateway.search(
            SearchRequest.newBuilder()
                .setCollection(collection)
                .setImage(ShapeScenes.scene("blue", "square"))
                .setTopK(1)
                .build());
    SearchResponse filtered = searchText(collection, "a red circle", 10, "shape IN (square, star)");
    SearchResponse exact =
        gateway.search(
            SearchRequest.newBuilder()
                .setCollection(collection)
                .setText("a red circle")
                .setTopK(10)
                .setFilter("colour = red")
                .setExact(true)
                .build());

    assertEquals("blue-square", byImage.getHits(0).getId());
    assertEquals(1.0, byImage.getHits(0).getScore(), 1e-4);
    assertEquals(
        List.of("blue-square", "yellow-star").stream().sorted().toList(),
        filtered.getHitsList().stream().map(SearchHit::getId).sorted().toList());
    assertEquals(
        List.of("red-circle"), exact.getHitsList().stream().map(SearchHit::getId).toList());
  }

  void listDeleteAndVersionCheck(String collection) {
    upsertScenes(collection);

    Collection listed =
        gateway
            .listCollections(ListCollectionsRequest.getDefaultInstance())
            .getCollectionsList()
            .stream()
            .filter(c -> c.getName().equals(collection))
            .findFirst()
            .orElseThrow();
    int dimension = (int) listed.getDimension();
    assertEquals(SCENES.size(), listed.getSize());
    assertEquals("shapes-clip", listed.getModel());
    assertEquals("1.0.0", listed.getModelVersion());
    assertEquals("lucene", listed.getBackend());

    assertEquals(
        1,
        gateway
            .delete(
                DeleteRequest.newBuilder().setCollection(collection).addIds("red-circle").build())
            .getDeleted());
    assertTrue(
        searchText(collection, "a red circle", 10, "").getHitsList().stream()
            .noneMatch(h -> h.getId().equals("red-circle")));

    Embedding.Builder embedding = Embedding.newBuilder();
    for (int i = 0; i < dimension; i++) {
      embedding.addValues(i == 0 ? 1 : 0);
    }
    UpsertRequest otherVersion =
        UpsertRequest.newBuilder()
            .setCollection(collection)
            .setModel("shapes-clip@9.9.9")
            .addItems(GalleryItem.newBuilder().setId("e").setEmbedding(embedding))
            .build();
    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, () -> gateway.upsert(otherVersion));
    assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("shapes-clip@1.0.0"));
    assertTrue(refused.getStatus().getDescription().contains("shapes-clip@9.9.9"));

    assertEquals(
        SCENES.size() - 1,
        gateway
            .delete(
                DeleteRequest.newBuilder()
                    .setCollection(collection)
                    .setDeleteCollection(true)
                    .build())
            .getDeleted());
    StatusRuntimeException gone =
        assertThrows(
            StatusRuntimeException.class, () -> searchText(collection, "a red circle", 1, ""));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
  }
}
