package io.mmserve.fusion.model;

import java.util.Arrays;

/**
 * {@link MatchHead}'s function computed with Vector API kernels ({@link VectorGemm}, {@link
 * VectorRows}): every step of a pair is a matrix product over all of the pair's real text tokens
 * and all heads at once, instead of one query row and one head at a time.
 *
 * <p>Per pair of {@code T} real tokens, {@code H} heads of width {@code d}, {@code P} patches of
 * width {@code C}: {@code Q = X Wq^T + bq}. When the image is attended raw ({@link
 * RawPatchAttention}'s algebra), {@code R_h = Q_h Wk_h} for every head into one [H*T, C] matrix,
 * scores {@code S = R patches^T} [H*T, P], softmax by rows (scaled by {@code d^-1/2}), the weighted
 * means {@code M = S patches} [H*T, C] and {@code context_h = M_h Wv_h^T + bv_h}. When the image's
 * keys and values are projected once ({@code K = patches Wk^T + bk}, {@code V}), the scores are
 * {@code Q_h K_h^T} and {@code context_h = S_h V_h}. Then {@code LayerNorm(context Wo^T + bo + X)},
 * the mean over the T rows, {@code fc2(gelu(fc1(.)))} (GELU's erf to 1.5e-7, {@link
 * VectorRows#geluInPlace}). The route per image is {@link MatchHead}'s ({@link
 * MatchHead#realTokens}), so both give the same answer up to float rounding.
 *
 * <p>The weights are copied from the head (all of them, about 5 C^2 floats, stay in a core's L2
 * cache for C = 128). Work buffers live in a {@link Workspace} per thread and grow to the largest
 * pair seen, so a call allocates nothing per pair. Immutable and thread-safe.
 */
final class VectorMatchHead implements PairLogits {
  private final int width;
  private final int heads;
  private final int headDim;
  private final int hiddenWidth;
  private final float scale;
  private final Linear q;
  private final Linear k;
  private final Linear v;
  private final Linear out;
  private final LayerNorm norm;
  private final Linear fc1;
  private final Linear fc2;
  private final ThreadLocal<Workspace> workspaces = ThreadLocal.withInitial(Workspace::new);

  /** Computes {@code head}'s logits; needs the {@code jdk.incubator.vector} module. */
  VectorMatchHead(MatchHead head) {
    CrossModalAttention attention = head.attention();
    this.width = attention.dim();
    this.heads = attention.heads();
    this.headDim = attention.headDim();
    this.hiddenWidth = head.fc1().out();
    this.scale = (float) Math.pow(headDim, -0.5);
    this.q = attention.queryProjection();
    this.k = attention.keyProjection();
    this.v = attention.valueProjection();
    this.out = attention.outputProjection();
    this.norm = head.norm();
    this.fc1 = head.fc1();
    this.fc2 = head.fc2();
  }

  /** One thread's work buffers. */
  private static final class Workspace {
    private float[] tokens = new float[0]; // X [T, C]
    private float[] queries = new float[0]; // Q [T, C]
    private float[] keyQueries = new float[0]; // R [H*T, C], then M
    private float[] scores = new float[0]; // S [H*T, P]
    private float[] context = new float[0]; // [T, C]
    private float[] fused = new float[0]; // [T, C]
    private float[] patchesT = new float[0]; // [C, P], raw route
    private float[] keys = new float[0]; // K [P, C], projected route
    private float[] keysT = new float[0]; // K^T [C, P]
    private float[] values = new float[0]; // V [P, C]
    private float[] pooled = new float[0];
    private float[] hidden = new float[0];
    private boolean projected;

    private void ensure(int tokenRows, int width, int heads, int patches, int hiddenWidth) {
      int tokenValues = tokenRows * width;
      if (tokens.length < tokenValues) {
        tokens = new float[tokenValues];
        queries = new float[tokenValues];
        context = new float[tokenValues];
        fused = new float[tokenValues];
        keyQueries = new float[heads * tokenValues];
      }
      if (scores.length < heads * tokenRows * patches) {
        scores = new float[heads * tokenRows * patches];
      }
      if (patchesT.length < patches * width) {
        patchesT = new float[patches * width];
        keys = new float[patches * width];
        keysT = new float[patches * width];
        values = new float[patches * width];
      }
      if (pooled.length < width) {
        pooled = new float[width];
      }
      if (hidden.length < hiddenWidth) {
        hidden = new float[hiddenWidth];
      }
    }
  }

  /** The logit of every pair, in pair order, on the calling thread. */
  float[] logits(MatchFeatures features) {
    float[] logits = new float[features.pairs()];
    ImageGroups groups =
        ImageGroups.of(features.patches(), features.pairs(), features.patchCount() * width);
    logits(features, groups, 0, features.pairs(), logits);
    return logits;
  }

  @Override
  public void logits(MatchFeatures f, ImageGroups groups, int from, int to, float[] logits) {
    Workspace w = workspaces.get();
    int patches = f.patchCount();
    w.ensure(f.textLength(), width, heads, patches, hiddenWidth);
    for (int p = from; p < to; p++) {
      int pair = groups.order()[p];
      int patchOff = pair * patches * width;
      if (p == from || groups.startsImage()[p]) {
        w.projected = MatchHead.realTokens(f, groups, p) >= patches;
        if (w.projected) {
          rowsWithBias(width, patches, k.bias(), w.keys);
          VectorGemm.multiplyAdd(
              patches,
              width,
              width,
              f.patches(),
              patchOff,
              width,
              k.weightTransposed(),
              0,
              width,
              w.keys,
              0,
              width);
          RawPatchAttention.transpose(w.keys, 0, patches, width, w.keysT);
          rowsWithBias(width, patches, v.bias(), w.values);
          VectorGemm.multiplyAdd(
              patches,
              width,
              width,
              f.patches(),
              patchOff,
              width,
              v.weightTransposed(),
              0,
              width,
              w.values,
              0,
              width);
        } else {
          RawPatchAttention.transpose(f.patches(), patchOff, patches, width, w.patchesT);
        }
      }
      logits[pair] = logit(f, pair, patchOff, w);
    }
  }

  private float logit(MatchFeatures f, int pair, int patchOff, Workspace w) {
    int rows = gatherRealTokens(f, pair, w.tokens);
    Arrays.fill(w.pooled, 0, width, 0f);
    if (rows > 0) {
      rowsWithBias(width, rows, q.bias(), w.queries);
      VectorGemm.multiplyAdd(
          rows,
          width,
          width,
          w.tokens,
          0,
          width,
          q.weightTransposed(),
          0,
          width,
          w.queries,
          0,
          width);
      if (w.projected) {
        attendProjected(rows, f.patchCount(), w);
      } else {
        attendRaw(rows, f.patches(), patchOff, f.patchCount(), w);
      }
      rowsWithBias(width, rows, out.bias(), w.fused);
      VectorGemm.multiplyAdd(
          rows,
          width,
          width,
          w.context,
          0,
          width,
          out.weightTransposed(),
          0,
          width,
          w.fused,
          0,
          width);
      VectorRows.add(w.tokens, 0, w.fused, 0, rows * width);
      VectorRows.layerNormRows(w.fused, 0, rows, norm.weight(), norm.bias(), norm.eps());
      for (int t = 0; t < rows; t++) {
        VectorRows.add(w.fused, t * width, w.pooled, 0, width);
      }
      VectorRows.divide(w.pooled, 0, width, rows);
    }
    System.arraycopy(fc1.bias(), 0, w.hidden, 0, hiddenWidth);
    VectorGemm.multiplyAdd(
        1,
        hiddenWidth,
        width,
        w.pooled,
        0,
        width,
        fc1.weightTransposed(),
        0,
        hiddenWidth,
        w.hidden,
        0,
        hiddenWidth);
    VectorRows.geluInPlace(w.hidden, 0, hiddenWidth);
    return VectorRows.dot(w.hidden, 0, fc2.weight(), 0, hiddenWidth) + fc2.bias()[0];
  }

  /** Copies the unmasked token rows of {@code pair} into {@code into}; returns their count. */
  private int gatherRealTokens(MatchFeatures f, int pair, float[] into) {
    int rows = 0;
    for (int t = 0; t < f.textLength(); t++) {
      if (f.mask()[pair * f.textLength() + t] != 0) {
        System.arraycopy(
            f.tokens(), (pair * f.textLength() + t) * width, into, rows * width, width);
        rows++;
      }
    }
    return rows;
  }

  /** Scores against the raw patches, then the values projected after the weighted mean. */
  private void attendRaw(int rows, float[] patches, int patchOff, int patchCount, Workspace w) {
    int headRows = heads * rows;
    Arrays.fill(w.keyQueries, 0, headRows * width, 0f);
    for (int h = 0; h < heads; h++) {
      // R_h = Q_h Wk_h: Wk's rows h*d.. (PyTorch's [out, in]) are already [d, C]
      VectorGemm.multiplyAdd(
          rows,
          width,
          headDim,
          w.queries,
          h * headDim,
          width,
          k.weight(),
          h * headDim * width,
          width,
          w.keyQueries,
          h * rows * width,
          width);
    }
    Arrays.fill(w.scores, 0, headRows * patchCount, 0f);
    VectorGemm.multiplyAdd(
        headRows,
        patchCount,
        width,
        w.keyQueries,
        0,
        width,
        w.patchesT,
        0,
        patchCount,
        w.scores,
        0,
        patchCount);
    VectorRows.softmaxRows(w.scores, 0, patchCount, headRows, patchCount, scale);
    float[] means = w.keyQueries; // R is no longer needed
    Arrays.fill(means, 0, headRows * width, 0f);
    VectorGemm.multiplyAdd(
        headRows,
        width,
        patchCount,
        w.scores,
        0,
        patchCount,
        patches,
        patchOff,
        width,
        means,
        0,
        width);
    rowsWithBias(width, rows, v.bias(), w.context);
    for (int h = 0; h < heads; h++) {
      VectorGemm.multiplyAdd(
          rows,
          headDim,
          width,
          means,
          h * rows * width,
          width,
          v.weightTransposed(),
          h * headDim,
          width,
          w.context,
          h * headDim,
          width);
    }
  }

  /** Scores against the image's projected keys, context from its projected values. */
  private void attendProjected(int rows, int patchCount, Workspace w) {
    int headRows = heads * rows;
    Arrays.fill(w.scores, 0, headRows * patchCount, 0f);
    for (int h = 0; h < heads; h++) {
      VectorGemm.multiplyAdd(
          rows,
          patchCount,
          headDim,
          w.queries,
          h * headDim,
          width,
          w.keysT,
          h * headDim * patchCount,
          patchCount,
          w.scores,
          h * rows * patchCount,
          patchCount);
    }
    VectorRows.softmaxRows(w.scores, 0, patchCount, headRows, patchCount, scale);
    Arrays.fill(w.context, 0, rows * width, 0f);
    for (int h = 0; h < heads; h++) {
      VectorGemm.multiplyAdd(
          rows,
          headDim,
          patchCount,
          w.scores,
          h * rows * patchCount,
          patchCount,
          w.values,
          h * headDim,
          width,
          w.context,
          h * headDim,
          width);
    }
  }

  /** Sets {@code rows} rows of {@code n} values of {@code into} to {@code bias}. */
  private static void rowsWithBias(int n, int rows, float[] bias, float[] into) {
    for (int r = 0; r < rows; r++) {
      System.arraycopy(bias, 0, into, r * n, n);
    }
  }
}
