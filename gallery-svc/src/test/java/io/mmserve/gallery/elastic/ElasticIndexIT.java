package io.mmserve.gallery.elastic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.gallery.index.CollectionInfo;
import io.mmserve.gallery.index.CollectionSpec;
import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.index.GalleryLimits;
import io.mmserve.gallery.index.Hit;
import io.mmserve.gallery.index.VectorIndex;
import io.mmserve.gallery.index.VectorIndexContractTest;
import io.mmserve.gallery.index.Vectors;
import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.FailedPreconditionException;
import io.mmserve.testsupport.Elasticsearch;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract suite against a real Elasticsearch 8 (one server for the class; each test its own
 * index prefix, so tests see only their own collections), and what only this backend does.
 */
class ElasticIndexIT extends VectorIndexContractTest {
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static Elasticsearch server;

  private String prefix;

  @BeforeAll
  static void startServer() throws IOException {
    server = Elasticsearch.start(Path.of("target/it-es/ElasticIndexIT"));
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  static ElasticSettings settings(String url, String prefix) {
    return new ElasticSettings(
        List.of(URI.create(url)),
        prefix,
        Duration.ofSeconds(2),
        Duration.ofSeconds(30),
        ElasticSettings.DEFAULT_NUM_CANDIDATES_FACTOR,
        ElasticSettings.DEFAULT_RESCORE_OVERSAMPLE,
        1,
        0);
  }

  @Override
  protected VectorIndex newIndex(Path dir) {
    prefix = "it" + TESTS.incrementAndGet() + "-";
    return ElasticIndex.open(settings(server.url(), prefix));
  }

  @Test
  void collections_areSeenByAnotherClientOfTheCluster() {
    gallery.upsert("shapes", MODEL, randomItems(new Random(1), 3));

    try (ElasticIndex replica = ElasticIndex.open(settings(server.url(), prefix))) {
      assertEquals(
          List.of(new CollectionInfo(new CollectionSpec("shapes", MODEL, DIM), 3, "elasticsearch")),
          replica.list());
      assertFalse(
          replica.ensureCollection(new CollectionSpec("shapes", NEXT_VERSION, 4)).created());
      assertEquals(
          MODEL,
          replica.ensureCollection(new CollectionSpec("shapes", NEXT_VERSION, 4)).spec().model());
    }
  }

  @Test
  void search_approximate_isFilteredInsideTheKnnSearch() {
    // 300 items far from the query pass no filter; 3 that pass lie elsewhere: a post-filter on the
    // top candidates would find none of them
    List<io.mmserve.gallery.index.Item> items = new java.util.ArrayList<>();
    for (int i = 0; i < 297; i++) {
      items.add(item("near-" + i, Vectors.normalized(1, 0.01f * i, 0, 0, 0, 0, 0, 0)));
    }
    for (int i = 0; i < 3; i++) {
      items.add(item("far-" + i, Vectors.normalized(0, 0, 1, 0.1f * i, 0, 0, 0, 0), "kind", "far"));
    }
    gallery.upsert("shapes", MODEL, items);

    List<Hit> hits =
        gallery.search("shapes", MODEL, Vectors.axis(DIM, 0), 3, "kind = far", false).hits();

    assertEquals(List.of("far-0", "far-1", "far-2"), hits.stream().map(Hit::id).toList());
  }

  @Test
  void ensureCollection_indexMadeByAnotherProgram_isFailedPrecondition() throws IOException {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    try {
      http.send(
          java.net.http.HttpRequest.newBuilder(URI.create(server.url() + "/" + prefix + "foreign"))
              .PUT(java.net.http.HttpRequest.BodyPublishers.noBody())
              .build(),
          java.net.http.HttpResponse.BodyHandlers.discarding());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }

    FailedPreconditionException e =
        assertThrows(
            FailedPreconditionException.class,
            () -> gallery.upsert("foreign", MODEL, randomItems(new Random(2), 1)));

    assertTrue(e.getMessage().contains("is not a gallery collection"), e.getMessage());
    assertTrue(gallery.list().isEmpty());
  }

  @Test
  void calls_unreachableCluster_areUnavailableNamingTheUrl() {
    String nowhere = "http://127.0.0.1:1";
    try (ElasticIndex unreachable = ElasticIndex.open(settings(nowhere, prefix))) {
      Gallery down = new Gallery(unreachable, GalleryLimits.defaults());

      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class,
              () -> down.upsert("shapes", MODEL, randomItems(new Random(3), 1)));

      assertTrue(
          e.getMessage().startsWith("Elasticsearch at " + nowhere + " is unreachable"),
          e.getMessage());
      assertThrows(BackendUnavailableException.class, down::list);
    }
  }

  @Test
  void metadata_keysWithDots_areStoredAndFilteredAsGiven() {
    gallery.upsert(
        "shapes",
        MODEL,
        List.of(
            item("a", Vectors.axis(DIM, 0), "exif.make", "acme", "exif", "x"),
            item("b", Vectors.axis(DIM, 1), "exif.make", "other")));

    List<Hit> hits =
        gallery.search("shapes", MODEL, Vectors.axis(DIM, 1), 5, "exif.make = acme", true).hits();

    assertEquals(List.of("a"), hits.stream().map(Hit::id).toList());
    assertEquals(Map.of("exif.make", "acme", "exif", "x"), hits.getFirst().metadata());
  }
}
