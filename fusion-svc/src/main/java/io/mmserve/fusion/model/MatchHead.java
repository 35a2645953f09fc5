package io.mmserve.fusion.model;

/**
 * The pack's image-text match head, as the seed's {@code FusionHead}: text tokens attend over the
 * image's patch tokens, {@code fused = LayerNorm(tokens + CrossModalAttention(tokens, patches,
 * mask))}, the masked mean of {@code fused} over the text's real tokens (divided by max(count, 1)),
 * then {@code fc2(gelu(fc1(pooled)))} gives the logit and its sigmoid the probability.
 *
 * <p>A padding token is a fully masked query row: it attends uniformly, but the masked mean drops
 * it, so its row is never computed. The real tokens are unmasked, so an image's attention is
 * computed whichever way is cheaper: when the pairs sharing the image have fewer real text tokens
 * in all than the image has patches, over the raw patches ({@link RawPatchAttention}); otherwise by
 * projecting the image's keys and values once and sharing them.
 *
 * <p>Immutable and thread-safe; each thread brings its own {@link Workspace}, or uses its
 * thread-local one.
 */
public final class MatchHead implements PairLogits {
  private final CrossModalAttention attention;
  private final LayerNorm norm;
  private final Linear fc1;
  private final Linear fc2;
  private final RawPatchAttention rawAttention;
  private final ThreadLocal<Workspace> workspaces = ThreadLocal.withInitial(Workspace::new);

  public MatchHead(CrossModalAttention attention, LayerNorm norm, Linear fc1, Linear fc2) {
    int width = attention.dim();
    if (norm.dim() != width || fc1.in() != width || fc2.in() != fc1.out() || fc2.out() != 1) {
      throw new IllegalArgumentException(
          "the match head needs LayerNorm(" + width + "), fc1 " + width + "->h and fc2 h->1");
    }
    this.attention = attention;
    this.norm = norm;
    this.fc1 = fc1;
    this.fc2 = fc2;
    this.rawAttention = new RawPatchAttention(attention);
  }

  /** The feature width the head takes. */
  public int width() {
    return attention.dim();
  }

  /** The head's attention block. */
  public CrossModalAttention attention() {
    return attention;
  }

  LayerNorm norm() {
    return norm;
  }

  Linear fc1() {
    return fc1;
  }

  Linear fc2() {
    return fc2;
  }

  /** One thread's work buffers; they grow to the largest pair seen. */
  public static final class Workspace {
    private final CrossModalAttention.KeyValues keyValues = new CrossModalAttention.KeyValues();
    private final CrossModalAttention.Scratch scratch = new CrossModalAttention.Scratch();
    private final RawPatchAttention.Scratch rawScratch = new RawPatchAttention.Scratch();
    private float[] patchesT = new float[0];
    private boolean projected;
    private float[] realTokens = new float[0];
    private float[] fused = new float[0];
    private float[] pooled = new float[0];
    private float[] hidden = new float[0];
    private final float[] logit = new float[1];

    private void ensure(int tokenValues, int width, int hiddenWidth, int patchValues) {
      if (patchesT.length < patchValues) {
        patchesT = new float[patchValues];
      }
      if (realTokens.length < tokenValues) {
        realTokens = new float[tokenValues];
        fused = new float[tokenValues];
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
  public float[] logits(MatchFeatures features) {
    float[] logits = new float[features.pairs()];
    ImageGroups groups =
        ImageGroups.of(features.patches(), features.pairs(), features.patchCount() * width());
    logits(features, groups, 0, features.pairs(), logits, workspaces.get());
    return logits;
  }

  /**
   * As {@link #logits(MatchFeatures, ImageGroups, int, int, float[], Workspace)} with the calling
   * thread's own workspace.
   */
  @Override
  public void logits(MatchFeatures f, ImageGroups groups, int from, int to, float[] logits) {
    logits(f, groups, from, to, logits, workspaces.get());
  }

  /**
   * Writes {@code logits[order[p]]} for positions {@code p} in {@code [from, to)} of the groups'
   * order, preparing each image once per run of pairs that share it.
   */
  void logits(MatchFeatures f, ImageGroups groups, int from, int to, float[] logits, Workspace w) {
    int width = width();
    int patchValues = f.patchCount() * width;
    w.ensure(f.textLength() * width, width, fc1.out(), patchValues);
    for (int p = from; p < to; p++) {
      int pair = groups.order()[p];
      if (p == from || groups.startsImage()[p]) {
        int patchOff = pair * patchValues;
        w.projected = realTokens(f, groups, p) >= f.patchCount();
        if (w.projected) {
          attention.project(f.patches(), patchOff, f.patchCount(), w.keyValues);
        } else {
          RawPatchAttention.transpose(f.patches(), patchOff, f.patchCount(), width, w.patchesT);
        }
      }
      logits[pair] = logit(f, pair, w);
    }
  }

  /**
   * The real text tokens of the pairs from {@code p} to the end of its image's group; whole groups,
   * not a thread's run, so the path and the answer do not depend on the thread count. An image is
   * projected once when this is at least its patch count, else attended raw.
   */
  static int realTokens(MatchFeatures f, ImageGroups groups, int p) {
    int count = 0;
    int start = p;
    while (!groups.startsImage()[start]) {
      start--;
    }
    for (int q = start;
        q < groups.order().length && (q == start || !groups.startsImage()[q]);
        q++) {
      int pair = groups.order()[q];
      for (int t = 0; t < f.textLength(); t++) {
        if (f.mask()[pair * f.textLength() + t] != 0) {
          count++;
        }
      }
    }
    return count;
  }

  private float logit(MatchFeatures f, int pair, Workspace w) {
    int width = width();
    int real = 0;
    for (int t = 0; t < f.textLength(); t++) {
      if (f.mask()[pair * f.textLength() + t] != 0) {
        System.arraycopy(
            f.tokens(), (pair * f.textLength() + t) * width, w.realTokens, real * width, width);
        real++;
      }
    }
    java.util.Arrays.fill(w.pooled, 0, width, 0f);
    if (real > 0) {
      if (w.projected) {
        attention.attend(w.realTokens, 0, real, w.keyValues, null, 0, w.fused, 0, w.scratch);
      } else {
        int patchOff = pair * f.patchCount() * width;
        rawAttention.attend(
            w.realTokens,
            real,
            f.patches(),
            patchOff,
            w.patchesT,
            f.patchCount(),
            w.fused,
            w.rawScratch);
      }
      for (int i = 0; i < real * width; i++) {
        w.fused[i] += w.realTokens[i];
      }
      norm.applyInPlace(w.fused, 0, real);
      for (int t = 0; t < real; t++) {
        VectorOps.axpy(1f, w.fused, t * width, w.pooled, 0, width);
      }
      float count = real;
      for (int c = 0; c < width; c++) {
        w.pooled[c] /= count;
      }
    }
    fc1.apply(w.pooled, 0, 1, w.hidden, 0);
    Gelu.applyInPlace(w.hidden, 0, fc1.out());
    fc2.apply(w.hidden, 0, 1, w.logit, 0);
    return w.logit[0];
  }

  /** The logistic sigmoid, the match probability of a logit. */
  public static float probability(float logit) {
    return (float) (1 / (1 + Math.exp(-(double) logit)));
  }
}
