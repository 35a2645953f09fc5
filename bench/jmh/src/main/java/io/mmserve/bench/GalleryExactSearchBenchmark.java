package io.mmserve.bench;

import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.index.GalleryLimits;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.ModelRef;
import io.mmserve.gallery.index.SearchResult;
import io.mmserve.gallery.lucene.LuceneIndex;
import io.mmserve.gallery.lucene.LuceneSettings;
import io.mmserve.inference.Vectors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Exact gallery search of one query against {@code n} stored unit vectors, as gallery-svc runs it
 * ({@link Gallery#search} with {@code exact}: the rules, then every stored full-precision vector of
 * the Lucene index scored in place by the codec's bulk scorer on {@code threads} threads, the top k
 * kept, their ids and metadata read). The index is built once under {@code
 * ~/.cache/mmserve/gallery-exact-hit-<n>x<dim>} (the environment's {@code GALLERY_ANN_CACHE}
 * replaces ~/.cache/mmserve; the default int8 HNSW format, which keeps the float vectors; "hit":
 * the current document layout, with the hit doc value) and reused by later runs. Compare with
 * bench/gallery_exact_numpy.py via bench/gallery_exact.sh, which drives this state through {@link
 * GalleryExactServe}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GalleryExactSearchBenchmark {
  private static final ModelRef MODEL = new ModelRef("bench", "1");
  private static final String COLLECTION = "bench";
  private static final int BATCH = 1000;

  @Param({"100000"})
  public int n;

  @Param({"512"})
  public int dim;

  @Param({"10"})
  public int topK;

  /** Threads one exact search scores on (gallery-svc's search.exact-threads). */
  @Param({"1", "2"})
  public int threads;

  private LuceneIndex index;
  private Gallery gallery;
  private float[] query;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Path dir = cache().resolve("gallery-exact-hit-" + n + "x" + dim);
    LuceneSettings defaults = LuceneSettings.defaults(dir);
    index =
        LuceneIndex.open(
            new LuceneSettings(
                dir,
                defaults.quantization(),
                defaults.hnswM(),
                defaults.hnswEfConstruction(),
                defaults.exactMaxSize(),
                defaults.rerankOversample(),
                threads,
                defaults.commitInterval()));
    gallery = new Gallery(index, GalleryLimits.defaults());
    if (index.describe(COLLECTION).map(c -> c.size() != n).orElse(true)) {
      index.describe(COLLECTION).ifPresent(c -> gallery.drop(COLLECTION));
      Random random = new Random(42);
      for (int from = 0; from < n; from += BATCH) {
        List<Item> items = new ArrayList<>();
        for (int i = from; i < Math.min(n, from + BATCH); i++) {
          items.add(new Item("item-" + i, unit(random, dim), Map.of("n", Integer.toString(i))));
        }
        gallery.upsert(COLLECTION, MODEL, items);
      }
      index.commitAll();
    }
    query = unit(new Random(7), dim);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    index.close();
  }

  /** Where generated benchmark data is kept between runs. */
  static Path cache() {
    String dir = System.getenv("GALLERY_ANN_CACHE");
    return dir != null && !dir.isBlank()
        ? Path.of(dir)
        : Path.of(System.getProperty("user.home"), ".cache", "mmserve");
  }

  private static float[] unit(Random random, int dim) {
    float[] v = new float[dim];
    for (int d = 0; d < dim; d++) {
      v[d] = (float) random.nextGaussian();
    }
    Vectors.normalize(v);
    return v;
  }

  @Benchmark
  public SearchResult exact() {
    return gallery.search(COLLECTION, MODEL, query, topK, "", true);
  }
}
