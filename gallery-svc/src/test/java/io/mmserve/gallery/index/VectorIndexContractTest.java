package io.mmserve.gallery.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.errors.FailedPreconditionException;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.NotFoundException;
import io.mmserve.kit.errors.ResourceLimitException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link VectorIndex} backend shares, through the {@link Gallery} that fronts
 * it. A backend's test extends this class and says how to open a fresh index; it must search
 * approximately (its own graph or kNN) unless asked for exact search, so both paths are covered.
 */
public abstract class VectorIndexContractTest {
  protected static final ModelRef MODEL = new ModelRef("shapes-clip", "1.0.0");
  protected static final ModelRef NEXT_VERSION = new ModelRef("shapes-clip", "2.0.0");
  protected static final int DIM = 8;

  /** At most this many items per upsert in these tests. */
  protected static final int MAX_ITEMS = 300;

  @TempDir protected Path dir;
  protected VectorIndex index;
  protected Gallery gallery;

  /**
   * A new, empty index storing under {@code dir}, whose searches are approximate unless asked to be
   * exact.
   */
  protected abstract VectorIndex newIndex(Path dir) throws Exception;

  @BeforeEach
  void openIndex() throws Exception {
    index = newIndex(dir);
    gallery = new Gallery(index, new GalleryLimits(MAX_ITEMS, 1000, 100, 10, 1024));
  }

  @AfterEach
  void closeIndex() {
    index.close();
  }

  protected static Item item(String id, float[] vector, String... metadata) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i < metadata.length; i += 2) {
      m.put(metadata[i], metadata[i + 1]);
    }
    return new Item(id, vector, m);
  }

  private List<String> ids(SearchResult result) {
    return result.hits().stream().map(Hit::id).toList();
  }

  @Test
  void search_returnsHitsOrderedByCosineWithMetadata() {
    gallery.upsert(
        "shapes",
        MODEL,
        List.of(
            item("x", Vectors.axis(DIM, 0), "colour", "red"),
            item("xy", Vectors.normalized(1, 1, 0, 0, 0, 0, 0, 0)),
            item("y", Vectors.axis(DIM, 1))));

    SearchResult result =
        gallery.search(
            "shapes", MODEL, Vectors.normalized(1, 0.1f, 0, 0, 0, 0, 0, 0), 3, "", false);

    assertEquals(List.of("x", "xy", "y"), ids(result));
    float[] q = Vectors.normalized(1, 0.1f, 0, 0, 0, 0, 0, 0);
    assertEquals(q[0], result.hits().get(0).score(), 1e-5);
    assertEquals((q[0] + q[1]) / Math.sqrt(2), result.hits().get(1).score(), 1e-5);
    assertEquals(Map.of("colour", "red"), result.hits().get(0).metadata());
  }

  @Test
  void search_returnsTheStoredThumbnail_andReplacingTheItemReplacesIt() {
    byte[] thumbnail = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2, (byte) 0x80};
    gallery.upsert(
        "shapes",
        MODEL,
        List.of(
            new Item("pic", Vectors.axis(DIM, 0), Map.of("colour", "red"), thumbnail),
            item("plain", Vectors.axis(DIM, 1))));

    List<Hit> hits = gallery.search("shapes", MODEL, Vectors.axis(DIM, 0), 2, "", false).hits();
    gallery.upsert("shapes", MODEL, List.of(item("pic", Vectors.axis(DIM, 0))));
    Hit replaced = gallery.search("shapes", MODEL, Vectors.axis(DIM, 0), 1, "", true).hits().get(0);

    assertEquals(List.of("pic", "plain"), hits.stream().map(Hit::id).toList());
    org.junit.jupiter.api.Assertions.assertArrayEquals(thumbnail, hits.get(0).thumbnail());
    assertEquals(Map.of("colour", "red"), hits.get(0).metadata());
    assertEquals(0, hits.get(1).thumbnail().length);
    assertEquals(0, replaced.thumbnail().length);
  }

  @Test
  void upsert_thumbnailOverTheLimit_isInvalidArgumentNamingTheItem() {
    byte[] huge = new byte[GalleryLimits.MAX_THUMBNAIL_BYTES + 1];

    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                gallery.upsert(
                    "shapes",
                    MODEL,
                    List.of(
                        item("ok", Vectors.axis(DIM, 0)),
                        new Item("big", Vectors.axis(DIM, 1), Map.of(), huge))));

    assertEquals(
        "items[1].thumbnail: the thumbnail of item 'big' has 262145 bytes, more than the limit"
            + " of 262144",
        e.getMessage());
    assertTrue(gallery.list().isEmpty());
  }

  @Test
  void search_topK_limitsTheHits() {
    gallery.upsert("shapes", MODEL, randomItems(new Random(1), 20));

    assertEquals(
        5, gallery.search("shapes", MODEL, Vectors.axis(DIM, 0), 5, "", false).hits().size());
  }

  @Test
  void upsert_existingId_replacesTheItem() {
    gallery.upsert("shapes", MODEL, List.of(item("a", Vectors.axis(DIM, 0), "v", "1")));

    Gallery.Upserted second =
        gallery.upsert("shapes", MODEL, List.of(item("a", Vectors.axis(DIM, 1), "v", "2")));

    assertEquals(1, second.size());
    Hit hit = gallery.search("shapes", MODEL, Vectors.axis(DIM, 1), 1, "", true).hits().getFirst();
    assertEquals("a", hit.id());
    assertEquals(1.0, hit.score(), 1e-6);
    assertEquals(Map.of("v", "2"), hit.metadata());
  }

  @Test
  void upsert_firstCall_createsTheCollectionPinnedToTheModel() {
    Gallery.Upserted first =
        gallery.upsert("shapes", MODEL, List.of(item("a", Vectors.axis(DIM, 0))));
    Gallery.Upserted second =
        gallery.upsert("shapes", MODEL, List.of(item("b", Vectors.axis(DIM, 1))));

    assertTrue(first.created());
    assertFalse(second.created());
    assertEquals(2, second.size());
  }

  @Test
  void delete_removesTheItemsAndCountsOnlyThoseThatExisted() {
    gallery.upsert(
        "shapes", MODEL, List.of(item("a", Vectors.axis(DIM, 0)), item("b", Vectors.axis(DIM, 1))));

    int deleted = gallery.delete("shapes", List.of("a", "nope"));

    assertEquals(1, deleted);
    assertEquals(
        List.of("b"), ids(gallery.search("shapes", MODEL, Vectors.axis(DIM, 0), 10, "", false)));
    assertEquals(1, gallery.describe("shapes").size());
  }

  @Test
  void search_equalityFilter_hitsOnlyMatchingItems() {
    gallery.upsert(
        "shapes",
        MODEL,
        List.of(
            item("red", Vectors.axis(DIM, 0), "colour", "red"),
            item("blue", Vectors.normalized(1, 0.2f, 0, 0, 0, 0, 0, 0), "colour", "blue"),
            item("none", Vectors.axis(DIM, 0))));

    SearchResult result =
        gallery.search("shapes", MODEL, Vectors.axis(DIM, 0), 10, "colour = \"blue\"", false);

    assertEquals(List.of("blue"), ids(result));
  }

  @Test
  void search_setMembershipFilterAndEquality_hitsItemsPassingBoth() {
    gallery.upsert(
        "shapes",
        MODEL,
        List.of(
            item("a", Vectors.axis(DIM, 0), "colour", "red", "shape", "circle"),
            item("b", Vectors.axis(DIM, 1), "colour", "green", "shape", "circle"),
            item("c", Vectors.axis(DIM, 2), "colour", "blue", "shape", "circle"),
            item("d", Vectors.axis(DIM, 3), "colour", "red", "shape", "square")));

    SearchResult result =
        gallery.search(
            "shapes",
            MODEL,
            Vectors.axis(DIM, 0),
            10,
            "colour IN (red, \"green\") AND shape = circle",
            false);

    assertEquals(List.of("a", "b"), ids(result));
  }

  @Test
  void search_exactAndApproximate_agreeOnASmallSet() {
    Random random = new Random(7);
    List<Item> items = randomItems(random, 200);
    gallery.upsert("shapes", MODEL, items);
    for (int q = 0; q < 10; q++) {
      float[] query = Vectors.random(random, DIM);

      SearchResult exact = gallery.search("shapes", MODEL, query, 10, "", true);
      SearchResult approximate = gallery.search("shapes", MODEL, query, 10, "", false);

      assertTrue(exact.exact());
      assertFalse(approximate.exact(), "the backend searched exactly unasked");
      assertEquals(ids(exact), ids(approximate), "query " + q);
      assertEquals(bruteForce(items, query, 10), ids(exact), "query " + q);
    }
  }

  @Test
  void upsert_vectorOfAnotherDimension_isInvalidArgumentNamingTheItem() {
    gallery.upsert("shapes", MODEL, List.of(item("a", Vectors.axis(DIM, 0))));

    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> gallery.upsert("shapes", MODEL, List.of(item("b", Vectors.axis(DIM + 1, 0)))));

    assertEquals("items[0].vector: dimension 9 differs from the collection's 8", e.getMessage());
  }

  @Test
  void search_queryOfAnotherDimension_isInvalidArgument() {
    gallery.upsert("shapes", MODEL, List.of(item("a", Vectors.axis(DIM, 0))));

    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> gallery.search("shapes", MODEL, Vectors.axis(4, 0), 1, "", false));

    assertEquals("query: dimension 4 differs from the collection's 8", e.getMessage());
  }

  @Test
  void search_unknownCollection_isNotFound() {
    NotFoundException e =
        assertThrows(
            NotFoundException.class,
            () -> gallery.search("nope", MODEL, Vectors.axis(DIM, 0), 1, "", false));

    assertEquals("collection 'nope' does not exist", e.getMessage());
    assertThrows(NotFoundException.class, () -> gallery.delete("nope", List.of("a")));
    assertThrows(NotFoundException.class, () -> gallery.drop("nope"));
  }

  @Test
  void upsertAndSearch_otherModelVersion_areFailedPreconditionNamingBoth() {
    gallery.upsert("shapes", MODEL, List.of(item("a", Vectors.axis(DIM, 0))));

    FailedPreconditionException upsert =
        assertThrows(
            FailedPreconditionException.class,
            () -> gallery.upsert("shapes", NEXT_VERSION, List.of(item("b", Vectors.axis(DIM, 1)))));
    FailedPreconditionException search =
        assertThrows(
            FailedPreconditionException.class,
            () -> gallery.search("shapes", NEXT_VERSION, Vectors.axis(DIM, 0), 1, "", false));

    for (FailedPreconditionException e : List.of(upsert, search)) {
      assertTrue(e.getMessage().contains("shapes-clip@1.0.0"), e.getMessage());
      assertTrue(e.getMessage().contains("shapes-clip@2.0.0"), e.getMessage());
    }
    assertEquals(1, gallery.describe("shapes").size());
  }

  @Test
  void upsert_tooManyItems_isResourceExhaustedAndWritesNothing() {
    ResourceLimitException e =
        assertThrows(
            ResourceLimitException.class,
            () -> gallery.upsert("shapes", MODEL, randomItems(new Random(2), MAX_ITEMS + 1)));

    assertEquals("items: 301 items exceed the limit of 300 per call", e.getMessage());
    assertTrue(gallery.list().isEmpty());
  }

  @Test
  void upsert_unnormalisedVector_isInvalidArgumentAndCreatesNothing() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                gallery.upsert(
                    "shapes", MODEL, List.of(item("a", new float[] {2, 0, 0, 0, 0, 0, 0, 0}))));

    assertEquals(
        "items[0].vector: vector must be L2-normalised, but its length is 2.0", e.getMessage());
    assertTrue(gallery.list().isEmpty());
  }

  @Test
  void list_showsEveryCollectionWithSizeModelAndBackend() {
    gallery.upsert("b-shapes", MODEL, randomItems(new Random(3), 3));
    gallery.upsert("a-shapes", NEXT_VERSION, randomItems(new Random(4), 2));

    List<CollectionInfo> all = gallery.list();

    assertEquals(
        List.of(
            new CollectionInfo(
                new CollectionSpec("a-shapes", NEXT_VERSION, DIM), 2, index.backend()),
            new CollectionInfo(new CollectionSpec("b-shapes", MODEL, DIM), 3, index.backend())),
        all);
  }

  @Test
  void drop_removesTheCollection() {
    gallery.upsert("shapes", MODEL, randomItems(new Random(5), 4));

    assertEquals(4, gallery.drop("shapes"));

    assertTrue(gallery.list().isEmpty());
    assertThrows(
        NotFoundException.class,
        () -> gallery.search("shapes", MODEL, Vectors.axis(DIM, 0), 1, "", false));
    assertTrue(gallery.upsert("shapes", NEXT_VERSION, randomItems(new Random(6), 1)).created());
  }

  @Test
  void upsert_badCollectionName_isInvalidArgumentNamingTheField() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> gallery.upsert("../etc", MODEL, List.of(item("a", Vectors.axis(DIM, 0)))));

    assertTrue(
        e.getMessage().startsWith("collection: collection name '../etc' must be"), e.getMessage());
  }

  protected static List<Item> randomItems(Random random, int n) {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(item("item-" + i, Vectors.random(random, DIM), "n", Integer.toString(i)));
    }
    return items;
  }

  private static List<String> bruteForce(List<Item> items, float[] query, int k) {
    return items.stream()
        .sorted(java.util.Comparator.comparingDouble((Item it) -> -dot(it.vector(), query)))
        .limit(k)
        .map(Item::id)
        .toList();
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
