package io.mmserve.gallery.lucene;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.index.GalleryLimits;
import io.mmserve.gallery.index.Hit;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.ModelRef;
import io.mmserve.gallery.index.SearchResult;
import io.mmserve.gallery.index.Vectors;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Approximate search keeps its recall with each quantization on clustered vectors (as embeddings
 * are): recall@10 against exact search, with the re-rank oversample docs/configuration.md advises
 * for it.
 */
class LuceneRecallTest {
  private static final ModelRef MODEL = new ModelRef("recall", "1");
  private static final int DIM = 128;
  private static final int CLUSTERS = 20;
  private static final int SIZE = 2000;
  private static final int QUERIES = 40;
  private static final int K = 10;

  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({"NONE, 4", "INT8, 4", "BINARY, 10"})
  void search_clusteredVectors_findsNineInTenOfTheExactTopTen(
      LuceneSettings.Quantization quantization, int oversample) {
    LuceneSettings settings =
        new LuceneSettings(dir, quantization, 16, 100, 0, oversample, 2, Duration.ofDays(1));
    try (LuceneIndex index = LuceneIndex.open(settings)) {
      Gallery gallery = new Gallery(index, GalleryLimits.defaults());
      Random random = new Random(21);
      List<float[]> centroids = new ArrayList<>();
      for (int c = 0; c < CLUSTERS; c++) {
        centroids.add(Vectors.random(random, DIM));
      }
      for (int from = 0; from < SIZE; from += 500) {
        List<Item> items = new ArrayList<>();
        for (int i = from; i < from + 500; i++) {
          items.add(new Item("item-" + i, near(random, centroids), Map.of()));
        }
        gallery.upsert("clustered", MODEL, items);
      }

      int found = 0;
      for (int q = 0; q < QUERIES; q++) {
        float[] query = near(random, centroids);
        SearchResult approximate = gallery.search("clustered", MODEL, query, K, "", false);
        Set<String> exact = ids(gallery.search("clustered", MODEL, query, K, "", true));
        assertFalse(approximate.exact());
        for (Hit hit : approximate.hits()) {
          found += exact.contains(hit.id()) ? 1 : 0;
        }
      }

      double recall = found / (double) (QUERIES * K);
      assertTrue(recall >= 0.9, quantization + " recall@10 " + recall);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A unit vector near one of the centroids (cosine about 0.8). */
  private static float[] near(Random random, List<float[]> centroids) {
    float[] c = centroids.get(random.nextInt(centroids.size()));
    float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = c[d] + (float) (random.nextGaussian() * 0.75 / Math.sqrt(DIM));
    }
    return Vectors.normalized(v);
  }

  private static Set<String> ids(SearchResult result) {
    Set<String> ids = new HashSet<>();
    result.hits().forEach(h -> ids.add(h.id()));
    return ids;
  }
}
