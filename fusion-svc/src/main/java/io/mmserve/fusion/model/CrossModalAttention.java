package io.mmserve.fusion.model;

/**
 * Multi-head cross-modal attention as the seed's {@code CrossModalAttention}: queries from one
 * modality attend over the tokens of the other, then an output projection. Where the mask is 0 the
 * score is set to {@value #MASK_FILL} before the softmax, so a fully masked query row attends
 * uniformly to every key.
 *
 * <p>Keys and values of a key/value sequence are projected once into {@link KeyValues} and shared
 * by every head and by every query sequence that attends to the same sequence (many texts against
 * one image). Work buffers live in a {@link Scratch} owned by one thread; no call allocates per
 * element. Immutable and thread-safe; a {@link Scratch} or {@link KeyValues} is not.
 */
public final class CrossModalAttention {
  /** The score of a masked position, as the seed's {@code masked_fill(mask == 0, -1e9)}. */
  public static final float MASK_FILL = -1e9f;

  private final Linear q;
  private final Linear k;
  private final Linear v;
  private final Linear out;
  private final int dim;
  private final int heads;
  private final int headDim;
  private final float scale;

  /** The four projections, each {@code dim -> dim}; {@code dim} must be a multiple of heads. */
  public CrossModalAttention(Linear q, Linear k, Linear v, Linear out, int heads) {
    this.dim = q.in();
    for (Linear l : new Linear[] {q, k, v, out}) {
      if (l.in() != dim || l.out() != dim) {
        throw new IllegalArgumentException(
            "every projection must be "
                + dim
                + "->"
                + dim
                + ", but one is "
                + l.in()
                + "->"
                + l.out());
      }
    }
    if (heads < 1 || dim % heads != 0) {
      throw new IllegalArgumentException(dim + " is not divisible into " + heads + " heads");
    }
    this.q = q;
    this.k = k;
    this.v = v;
    this.out = out;
    this.heads = heads;
    this.headDim = dim / heads;
    this.scale = (float) Math.pow(headDim, -0.5);
  }

  public int dim() {
    return dim;
  }

  public int heads() {
    return heads;
  }

  int headDim() {
    return headDim;
  }

  Linear queryProjection() {
    return q;
  }

  Linear keyProjection() {
    return k;
  }

  Linear valueProjection() {
    return v;
  }

  Linear outputProjection() {
    return out;
  }

  /** Projected keys (transposed, [C, Nk]) and values ([Nk, C]) of one key/value sequence. */
  public static final class KeyValues {
    private float[] keysT = new float[0];
    private float[] values = new float[0];
    private float[] keys = new float[0];
    private int length;

    /** How many key/value tokens are held. */
    public int length() {
      return length;
    }

    private void ensure(int size) {
      if (values.length < size) {
        keysT = new float[size];
        values = new float[size];
        keys = new float[size];
      }
    }
  }

  /** Per-thread work buffers of {@link #attend}; they grow to the largest call seen. */
  public static final class Scratch {
    private float[] queries = new float[0];
    private float[] context = new float[0];
    private float[] scores = new float[0];

    private void ensure(int queryValues, int keys) {
      if (queries.length < queryValues) {
        queries = new float[queryValues];
        context = new float[queryValues];
      }
      if (scores.length < keys) {
        scores = new float[keys];
      }
    }
  }

  /** Projects {@code nk} key/value tokens at {@code keyValue[off..]} into {@code into}. */
  public void project(float[] keyValue, int off, int nk, KeyValues into) {
    into.ensure(nk * dim);
    into.length = nk;
    k.apply(keyValue, off, nk, into.keys, 0);
    v.apply(keyValue, off, nk, into.values, 0);
    float[] keys = into.keys;
    float[] keysT = into.keysT;
    for (int j = 0; j < nk; j++) {
      for (int c = 0; c < dim; c++) {
        keysT[c * nk + j] = keys[j * dim + c];
      }
    }
  }

  /**
   * Attends {@code nq} query tokens at {@code query[qOff..]} over {@code keyValues} and writes the
   * projected output, [nq, C], at {@code output[outOff..]}.
   *
   * @param mask null for no mask, else row {@code i} of the [nq, Nk] mask starts at {@code
   *     mask[maskOff + i * Nk]}; 0 masks a position
   */
  public void attend(
      float[] query,
      int qOff,
      int nq,
      KeyValues keyValues,
      long[] mask,
      int maskOff,
      float[] output,
      int outOff,
      Scratch scratch) {
    int nk = keyValues.length;
    scratch.ensure(nq * dim, nk);
    float[] queries = scratch.queries;
    float[] context = scratch.context;
    float[] scores = scratch.scores;
    q.apply(query, qOff, nq, queries, 0);
    java.util.Arrays.fill(context, 0, nq * dim, 0f);
    for (int i = 0; i < nq; i++) {
      for (int h = 0; h < heads; h++) {
        int headOff = h * headDim;
        java.util.Arrays.fill(scores, 0, nk, 0f);
        VectorOps.accumulate(
            queries, i * dim + headOff, headDim, keyValues.keysT, headOff * nk, nk, scores, 0, nk);
        softmax(scores, nk, mask, mask == null ? 0 : maskOff + i * nk);
        VectorOps.accumulate(
            scores, 0, nk, keyValues.values, headOff, dim, context, i * dim + headOff, headDim);
      }
    }
    out.apply(context, 0, nq, output, outOff);
  }

  /** Scales, masks and softmaxes the first {@code n} scores in place, as the seed does. */
  void softmax(float[] scores, int n, long[] mask, int maskOff) {
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) {
      float s = scores[j] * scale;
      if (mask != null && mask[maskOff + j] == 0) {
        s = MASK_FILL;
      }
      scores[j] = s;
      max = Math.max(max, s);
    }
    double sum = 0;
    for (int j = 0; j < n; j++) {
      float e = (float) Math.exp(scores[j] - max);
      scores[j] = e;
      sum += e;
    }
    float inv = (float) (1 / sum);
    for (int j = 0; j < n; j++) {
      scores[j] *= inv;
    }
  }

  /**
   * The whole module on a batch: {@code query} [B, Nq, C], {@code keyValue} [B, Nk, C], {@code
   * mask} [B, Nq, Nk] or null; returns [B, Nq, C]. Allocates its buffers once per call.
   */
  public float[] forward(float[] query, float[] keyValue, long[] mask, int batch, int nq, int nk) {
    if (query.length != batch * nq * dim || keyValue.length != batch * nk * dim) {
      throw new IllegalArgumentException(
          "query must be ["
              + batch
              + ", "
              + nq
              + ", "
              + dim
              + "] and key_value ["
              + batch
              + ", "
              + nk
              + ", "
              + dim
              + "]");
    }
    if (mask != null && mask.length != batch * nq * nk) {
      throw new IllegalArgumentException(
          "mask must be [" + batch + ", " + nq + ", " + nk + "], but holds " + mask.length);
    }
    float[] result = new float[batch * nq * dim];
    KeyValues kv = new KeyValues();
    Scratch scratch = new Scratch();
    for (int b = 0; b < batch; b++) {
      project(keyValue, b * nk * dim, nk, kv);
      attend(query, b * nq * dim, nq, kv, mask, b * nq * nk, result, b * nq * dim, scratch);
    }
    return result;
  }
}
