package io.mmserve.bench;

import io.mmserve.fusion.model.EmbeddingMatrix;
import io.mmserve.fusion.model.Similarity;
import io.mmserve.inference.Vectors;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Score of one query against {@code n} unit embeddings through fusion-svc's domain code, as
 * FusionEngine computes it: {@code logits = logit_scale x q . E^T} ({@link Similarity#logits}, on
 * rows the encoders already normalised), then optionally the softmax over the {@code n} logits
 * ({@link Similarity#softmaxRows}). Compare with bench/score_numpy.py via bench/score.sh.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ScoreBenchmark {
  private static final float LOGIT_SCALE = 50.0f;

  @Param({"100000"})
  public int n;

  @Param({"64"})
  public int dim;

  private EmbeddingMatrix query;
  private EmbeddingMatrix embeddings;

  @Setup
  public void setUp() {
    Random random = new Random(42);
    query = new EmbeddingMatrix("images", unitRows(random, 1, dim), 1, dim);
    embeddings = new EmbeddingMatrix("texts", unitRows(random, n, dim), n, dim);
  }

  /** Rows of standard-normal values scaled to unit length. */
  private static float[] unitRows(Random random, int rows, int dim) {
    float[] out = new float[rows * dim];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < dim; c++) {
        out[r * dim + c] = (float) random.nextGaussian();
      }
      Vectors.normalize(out, r * dim, dim);
    }
    return out;
  }

  @Benchmark
  public float[] logits() {
    return Similarity.logits(query, embeddings, LOGIT_SCALE);
  }

  @Benchmark
  public float[] logitsSoftmax() {
    float[] logits = Similarity.logits(query, embeddings, LOGIT_SCALE);
    return Similarity.softmaxRows(logits, 1, n);
  }
}
