package io.mmserve.bench;

import io.mmserve.gallery.lucene.VectorScoring;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The Java side of bench/gallery_exact.sh: gallery-svc's exact search ({@link
 * GalleryExactSearchBenchmark}'s state: {@code Gallery.search(..., exact)} over the cached Lucene
 * index) answering timing requests on stdin, so that a driver can alternate short slices of it with
 * numpy's (bench/gallery_exact_numpy.py {@code serve}) and both sides see the same load.
 *
 * <p>Usage: {@code GalleryExactServe N DIM THREADS}. Prints "ready" (after building the index if it
 * is missing), then for each stdin line "ITERATIONS" runs that many searches and prints "MEAN_US
 * MIN_US" (microseconds per search). Ends at end of input. Says on stderr whether the Vector API is
 * on.
 */
public final class GalleryExactServe {
  private GalleryExactServe() {}

  public static void main(String[] args) throws IOException {
    GalleryExactSearchBenchmark state = new GalleryExactSearchBenchmark();
    state.n = Integer.parseInt(args[0]);
    state.dim = Integer.parseInt(args[1]);
    state.threads = Integer.parseInt(args[2]);
    state.topK = 10;
    System.err.println(VectorScoring.describe(VectorScoring.vectorApi()));
    state.setUp();
    try {
      System.out.println("ready");
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        int iterations = Integer.parseInt(line.strip());
        long total = 0;
        long min = Long.MAX_VALUE;
        for (int i = 0; i < iterations; i++) {
          long start = System.nanoTime();
          if (state.exact().hits().size() != state.topK) {
            throw new IllegalStateException("exact search returned the wrong number of hits");
          }
          long took = System.nanoTime() - start;
          total += took;
          min = Math.min(min, took);
        }
        System.out.printf("%.1f %.1f%n", total / 1e3 / iterations, min / 1e3);
        System.out.flush();
      }
    } finally {
      state.tearDown();
    }
  }
}
