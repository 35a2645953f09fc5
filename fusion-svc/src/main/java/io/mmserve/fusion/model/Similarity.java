package io.mmserve.fusion.model;

/**
 * CLIP similarity: {@code logit_scale x cosine} between L2-normalised embedding rows, the softmax
 * of a row, and the top k of a row. Stateless; every method allocates only its result.
 */
public final class Similarity {
  private Similarity() {}

  /**
   * {@code scale x cosine(a_i, b_j)} as an [A, B] row-major matrix: {@code scale x a_i . b_j},
   * since the rows are L2-normalised (a zero row has cosine 0 with every row). The rows are not
   * normalised again here: the encoders did it (or the gateway, for embeddings a caller sent).
   *
   * @throws IllegalArgumentException if the widths differ (callers check inputs first)
   */
  public static float[] logits(EmbeddingMatrix a, EmbeddingMatrix b, float scale) {
    if (a.dim() != b.dim()) {
      throw new IllegalArgumentException("widths differ: " + a.dim() + " vs " + b.dim());
    }
    float[] va = a.values();
    float[] vb = b.values();
    int dim = a.dim();
    float[] out = new float[a.rows() * b.rows()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < b.rows(); j++) {
        out[i * b.rows() + j] = scale * VectorOps.dot(va, i * dim, vb, j * dim, dim);
      }
    }
    return out;
  }

  /** The transpose of a [rows, cols] row-major matrix. */
  public static float[] transpose(float[] m, int rows, int cols) {
    float[] out = new float[m.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = m[r * cols + c];
      }
    }
    return out;
  }

  /** The softmax of each row of a [rows, cols] matrix, subtracting the row maximum first. */
  public static float[] softmaxRows(float[] m, int rows, int cols) {
    float[] out = new float[m.length];
    for (int r = 0; r < rows; r++) {
      int off = r * cols;
      float max = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < cols; c++) {
        max = Math.max(max, m[off + c]);
      }
      double sum = 0;
      for (int c = 0; c < cols; c++) {
        double e = Math.exp((double) m[off + c] - max);
        out[off + c] = (float) e;
        sum += e;
      }
      for (int c = 0; c < cols; c++) {
        out[off + c] = (float) (out[off + c] / sum);
      }
    }
    return out;
  }

  /**
   * The indices of the {@code k} largest of {@code row[off..off+n)}, largest first, ties by lower
   * index; fewer when {@code n < k}. O(n log k) with a bounded heap of indices.
   */
  public static int[] topK(float[] row, int off, int n, int k) {
    int count = Math.min(Math.max(k, 0), n);
    int[] heap = new int[count]; // a min-heap: the worst kept index at the root
    int size = 0;
    for (int i = 0; i < n; i++) {
      if (size < count) {
        heap[size] = i;
        siftUp(heap, size++, row, off);
      } else if (count > 0 && better(row, off, i, heap[0])) {
        heap[0] = i;
        siftDown(heap, size, row, off);
      }
    }
    int[] out = new int[count];
    for (int p = count - 1; p >= 0; p--) {
      out[p] = heap[0];
      heap[0] = heap[--size];
      siftDown(heap, size, row, off);
    }
    return out;
  }

  /** True when index a ranks above index b: larger value, or equal value and lower index. */
  private static boolean better(float[] row, int off, int a, int b) {
    int byValue = Float.compare(row[off + a], row[off + b]);
    return byValue > 0 || (byValue == 0 && a < b);
  }

  private static void siftUp(int[] heap, int at, float[] row, int off) {
    while (at > 0) {
      int parent = (at - 1) / 2;
      if (!better(row, off, heap[parent], heap[at])) {
        return;
      }
      int t = heap[parent];
      heap[parent] = heap[at];
      heap[at] = t;
      at = parent;
    }
  }

  private static void siftDown(int[] heap, int size, float[] row, int off) {
    int at = 0;
    while (true) {
      int worst = at;
      for (int child = 2 * at + 1; child <= 2 * at + 2 && child < size; child++) {
        if (better(row, off, heap[worst], heap[child])) {
          worst = child;
        }
      }
      if (worst == at) {
        return;
      }
      int t = heap[worst];
      heap[worst] = heap[at];
      heap[at] = t;
      at = worst;
    }
  }
}
