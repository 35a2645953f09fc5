package io.mmserve.gallery.lucene;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.Vectors;
import io.mmserve.gallery.lucene.TopHits.Scored;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exact search in slices on several threads finds what a plain loop over the vectors finds. */
class ExactSearchTest {
  private static final int DIM = 16;

  /** Enough for segments cut into several slices. */
  private static final int SIZE = 3 * ExactSearch.MIN_SLICE_DOCS;

  private static final int SEGMENT = 5000;

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newFixedThreadPool(3);
  private final List<float[]> vectors = new ArrayList<>();
  private FSDirectory directory;
  private DirectoryReader reader;

  /**
   * Three segments (a commit every {@link #SEGMENT} documents), every 7th document deleted; a small
   * graph, as only exact search is under test.
   */
  @BeforeEach
  void index() throws IOException {
    directory = FSDirectory.open(dir);
    LuceneSettings settings =
        new LuceneSettings(
            dir, LuceneSettings.Quantization.NONE, 4, 10, 0, 4, 4, Duration.ofDays(1));
    Random random = new Random(11);
    try (IndexWriter writer = new IndexWriter(directory, LuceneCodecs.writerConfig(settings))) {
      for (int i = 0; i < SIZE; i++) {
        float[] v = Vectors.random(random, DIM);
        vectors.add(v);
        writer.addDocument(
            LuceneDocuments.toDocument(
                new Item(Integer.toString(i), v, Map.of("odd", Boolean.toString(i % 2 == 1)))));
        if (i % SEGMENT == SEGMENT - 1) {
          writer.commit();
        }
      }
      for (int i = 0; i < SIZE; i += 7) {
        writer.deleteDocuments(LuceneDocuments.idTerm(Integer.toString(i)));
      }
      writer.commit();
    }
    reader = DirectoryReader.open(directory);
  }

  @AfterEach
  void close() throws IOException {
    pool.shutdownNow();
    reader.close();
    directory.close();
  }

  @Test
  void search_inSlicesOnSeveralThreads_findsTheBestLiveDocuments() throws IOException {
    IndexSearcher searcher = new IndexSearcher(reader);
    float[] query = Vectors.random(new Random(12), DIM);

    for (int slices : new int[] {1, 2, 3, 7}) {
      TopHits top = new ExactSearch(searcher, pool, slices).search(query, 10, null);

      assertEquals(bruteForce(query, 10, false), ids(searcher, top), "slices " + slices);
    }
  }

  @Test
  void search_withAFilter_findsTheBestThatPass() throws IOException {
    IndexSearcher searcher = new IndexSearcher(reader);
    float[] query = Vectors.random(new Random(13), DIM);
    TermQuery odd = new TermQuery(new Term(LuceneDocuments.METADATA_PREFIX + "odd", "true"));

    TopHits top = new ExactSearch(searcher, pool, 3).search(query, 10, odd);

    assertEquals(bruteForce(query, 10, true), ids(searcher, top));
  }

  @Test
  void cosine_undoesLucenesDotProductScale() throws IOException {
    IndexSearcher searcher = new IndexSearcher(reader);
    float[] query = vectors.get(1);

    Scored best = new ExactSearch(searcher, pool, 2).search(query, 1, null).sorted()[0];

    assertEquals(1.0f, ExactSearch.cosine(best.score()), 1e-6f);
  }

  private List<String> bruteForce(float[] query, int k, boolean oddOnly) {
    List<Integer> live = new ArrayList<>();
    for (int i = 0; i < SIZE; i++) {
      if (i % 7 != 0 && (!oddOnly || i % 2 == 1)) {
        live.add(i);
      }
    }
    live.sort(Comparator.comparingDouble(i -> -dot(query, vectors.get(i))));
    return live.subList(0, k).stream().map(i -> Integer.toString(i)).toList();
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (double) a[i] * b[i];
    }
    return sum;
  }

  private static List<String> ids(IndexSearcher searcher, TopHits top) throws IOException {
    List<String> ids = new ArrayList<>();
    for (Scored s : top.sorted()) {
      ids.add(searcher.storedFields().document(s.doc()).get(LuceneDocuments.ID));
    }
    return ids;
  }
}
