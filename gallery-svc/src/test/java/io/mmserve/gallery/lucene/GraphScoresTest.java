package io.mmserve.gallery.lucene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.gallery.index.Hit;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.MetadataFilter;
import io.mmserve.gallery.index.SearchQuery;
import io.mmserve.gallery.index.Vectors;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Approximate search on a float32 graph re-scores only the head of the graph's candidates, and
 * still returns exactly what re-ranking every candidate returns.
 */
class GraphScoresTest {
  private static final int DIM = 64;
  private static final int SIZE = 1500;
  private static final int K = 10;
  private static final int OVERSAMPLE = 4;

  @TempDir Path dir;

  @Test
  void head_keepsTheFirstKAndLaterCandidatesWithinTheSlackOfTheKth() {
    ScoreDoc[] best = {
      new ScoreDoc(4, 0.9f),
      new ScoreDoc(1, 0.8f),
      new ScoreDoc(7, 0.8f - GraphScores.SLACK), // a near-tie: its exact score may be higher
      new ScoreDoc(3, 0.8f - 3 * GraphScores.SLACK), // below every exact score of the first two
      new ScoreDoc(2, 0.1f)
    };

    ScoreDoc[] head = GraphScores.head(best, 2);

    assertArrayEquals(new int[] {4, 1, 7}, docs(head));
  }

  @Test
  void head_fewerCandidatesThanK_keepsThemAll() {
    ScoreDoc[] best = {new ScoreDoc(0, 0.5f), new ScoreDoc(1, 0.4f)};

    assertEquals(2, GraphScores.head(best, 10).length);
  }

  @Test
  void exact_floatGraph_isTrue_quantizedGraphs_areFalse() throws IOException {
    List<float[]> vectors = vectors(new Random(3), 50);
    for (LuceneSettings.Quantization q : LuceneSettings.Quantization.values()) {
      try (FSDirectory directory = write(dir.resolve(q.name()), q, vectors);
          DirectoryReader reader = DirectoryReader.open(directory)) {
        assertEquals(q == LuceneSettings.Quantization.NONE, GraphScores.exact(reader), q.name());
      }
    }
  }

  @Test
  void approximate_floatGraph_sameHitsAndScoresAsReRankingEveryCandidate() throws IOException {
    Random random = new Random(17);
    List<float[]> vectors = vectors(random, SIZE);
    try (FSDirectory directory = write(dir, LuceneSettings.Quantization.NONE, vectors);
        DirectoryReader reader = DirectoryReader.open(directory)) {
      assertTrue(reader.leaves().size() > 1, "several segments, as a live collection has");
      assertTrue(GraphScores.exact(reader));
      IndexSearcher searcher = new IndexSearcher(reader);
      VectorSearch search = new VectorSearch(searcher, 0, OVERSAMPLE, Runnable::run, 1);
      for (int q = 0; q < 30; q++) {
        float[] query = q % 2 == 0 ? Vectors.random(random, DIM) : near(random, vectors);

        List<Hit> hits =
            search.search(new SearchQuery(query, K, MetadataFilter.NONE, false)).hits();

        List<Hit> expected = reRankEveryCandidate(searcher, query, vectors);
        assertEquals(ids(expected), ids(hits), "query " + q);
        for (int i = 0; i < K; i++) {
          assertEquals(expected.get(i).score(), hits.get(i).score(), 0f, "query " + q);
        }
      }
    }
  }

  /** What the search did before: every graph candidate scored by its full vector. */
  private static List<Hit> reRankEveryCandidate(
      IndexSearcher searcher, float[] query, List<float[]> vectors) throws IOException {
    TopDocs found =
        searcher.search(
            new KnnFloatVectorQuery(LuceneDocuments.VECTOR, query, K * OVERSAMPLE), K * OVERSAMPLE);
    List<Hit> all = new ArrayList<>();
    List<Integer> docs = new ArrayList<>();
    for (ScoreDoc sd : found.scoreDocs) {
      String id = searcher.storedFields().document(sd.doc).get(LuceneDocuments.ID);
      float[] vector = vectors.get(Integer.parseInt(id.substring("item-".length())));
      all.add(new Hit(id, VectorUtil.dotProduct(query, vector), Map.of()));
      docs.add(sd.doc);
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      order.add(i);
    }
    order.sort(
        Comparator.comparingDouble((Integer i) -> -all.get(i).score()).thenComparing(docs::get));
    return order.subList(0, K).stream().map(all::get).toList();
  }

  private static FSDirectory write(
      Path path, LuceneSettings.Quantization quantization, List<float[]> vectors)
      throws IOException {
    LuceneSettings settings =
        new LuceneSettings(path, quantization, 16, 100, 0, OVERSAMPLE, 1, Duration.ofDays(1));
    FSDirectory directory = FSDirectory.open(path);
    try (IndexWriter writer = new IndexWriter(directory, LuceneCodecs.writerConfig(settings))) {
      for (int i = 0; i < vectors.size(); i++) {
        writer.addDocument(
            LuceneDocuments.toDocument(new Item("item-" + i, vectors.get(i), Map.of())));
        if (i % 500 == 499) {
          writer.commit(); // one segment per 500
        }
      }
      writer.commit();
    }
    return directory;
  }

  /** Unit vectors in tight clusters of ten: many near-equal scores among the candidates. */
  private static List<float[]> vectors(Random random, int n) {
    List<float[]> out = new ArrayList<>();
    float[] centre = null;
    for (int i = 0; i < n; i++) {
      if (i % 10 == 0) {
        centre = Vectors.random(random, DIM);
      }
      float[] v = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        v[d] = centre[d] + (float) (random.nextGaussian() * 0.05 / Math.sqrt(DIM));
      }
      out.add(Vectors.normalized(v));
    }
    return out;
  }

  private static float[] near(Random random, List<float[]> vectors) {
    float[] c = vectors.get(random.nextInt(vectors.size()));
    float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = c[d] + (float) (random.nextGaussian() * 0.3 / Math.sqrt(DIM));
    }
    return Vectors.normalized(v);
  }

  private static List<String> ids(List<Hit> hits) {
    return hits.stream().map(Hit::id).toList();
  }

  private static int[] docs(ScoreDoc[] docs) {
    int[] out = new int[docs.length];
    for (int i = 0; i < docs.length; i++) {
      out[i] = docs[i].doc;
    }
    return out;
  }
}
