package io.mmserve.fusion.model;

/**
 * {@link CrossModalAttention} without a mask, computed over the raw (unprojected) key/value tokens,
 * which is cheaper when few queries attend to a key/value sequence than projecting its every token.
 * Exact up to float rounding:
 *
 * <ul>
 *   <li>Scores: {@code q_h . (W_k,h p + b_k,h) = (W_k,h^T q_h) . p + q_h . b_k,h}; the second term
 *       is the same for every key of a query row, so the softmax cancels it. Each query row and
 *       head computes {@code r = W_k,h^T q_h} once and dots it with the raw tokens.
 *   <li>Values: the weights of a row sum to 1, so {@code sum_k a_k (W_v,h p_k + b_v,h) = W_v,h
 *       (sum_k a_k p_k) + b_v,h}: the weighted mean of the raw tokens is projected once per head.
 * </ul>
 *
 * <p>Immutable and thread-safe; a {@link Scratch} belongs to one thread.
 */
final class RawPatchAttention {
  private final CrossModalAttention attention;
  private final Linear q;
  private final Linear out;
  private final float[] keyWeight;
  private final float[] valueWeightT;
  private final float[] valueBias;
  private final int dim;
  private final int heads;
  private final int headDim;

  RawPatchAttention(CrossModalAttention attention) {
    this.attention = attention;
    this.q = attention.queryProjection();
    this.out = attention.outputProjection();
    this.keyWeight = attention.keyProjection().weight();
    this.valueWeightT = attention.valueProjection().weightTransposed();
    this.valueBias = attention.valueProjection().bias();
    this.dim = attention.dim();
    this.heads = attention.heads();
    this.headDim = attention.headDim();
  }

  /** One thread's work buffers; they grow to the largest call seen. */
  static final class Scratch {
    private float[] queries = new float[0];
    private float[] context = new float[0];
    private float[] keyQuery = new float[0];
    private float[] scores = new float[0];
    private float[] mean = new float[0];

    private void ensure(int queryValues, int dim, int keys) {
      if (queries.length < queryValues) {
        queries = new float[queryValues];
        context = new float[queryValues];
      }
      if (keyQuery.length < dim) {
        keyQuery = new float[dim];
        mean = new float[dim];
      }
      if (scores.length < keys) {
        scores = new float[keys];
      }
    }
  }

  /**
   * Attends {@code nq} query tokens at {@code query[0..]} over the {@code nk} tokens at {@code
   * tokens[tokOff..]} (also given transposed, [C, nk], in {@code tokensT}) without a mask, and
   * writes the projected output, [nq, C], at {@code output[0..]}.
   */
  void attend(
      float[] query,
      int nq,
      float[] tokens,
      int tokOff,
      float[] tokensT,
      int nk,
      float[] output,
      Scratch s) {
    s.ensure(nq * dim, dim, nk);
    q.apply(query, 0, nq, s.queries, 0);
    for (int i = 0; i < nq; i++) {
      for (int h = 0; h < heads; h++) {
        int headOff = h * headDim;
        java.util.Arrays.fill(s.keyQuery, 0, dim, 0f);
        VectorOps.accumulate(
            s.queries,
            i * dim + headOff,
            headDim,
            keyWeight,
            headOff * dim,
            dim,
            s.keyQuery,
            0,
            dim);
        java.util.Arrays.fill(s.scores, 0, nk, 0f);
        VectorOps.accumulate(s.keyQuery, 0, dim, tokensT, 0, nk, s.scores, 0, nk);
        attention.softmax(s.scores, nk, null, 0);
        java.util.Arrays.fill(s.mean, 0, dim, 0f);
        VectorOps.accumulate(s.scores, 0, nk, tokens, tokOff, dim, s.mean, 0, dim);
        int contextRow = i * dim + headOff;
        System.arraycopy(valueBias, headOff, s.context, contextRow, headDim);
        VectorOps.accumulate(
            s.mean, 0, dim, valueWeightT, headOff, dim, s.context, contextRow, headDim);
      }
    }
    out.apply(s.context, 0, nq, output, 0);
  }

  /** Writes the [nk, C] tokens at {@code tokens[off..]} transposed, [C, nk], into {@code into}. */
  static void transpose(float[] tokens, int off, int nk, int dim, float[] into) {
    for (int j = 0; j < nk; j++) {
      for (int c = 0; c < dim; c++) {
        into[c * nk + j] = tokens[off + j * dim + c];
      }
    }
  }
}
