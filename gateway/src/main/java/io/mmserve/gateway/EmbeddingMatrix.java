package io.mmserve.gateway;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A [rows, cols] float32 matrix as an encoder returns it: one embedding per row.
 *
 * <p>Reads the packed little-endian bytes of the internal tensor format. An encoder answer of the
 * wrong shape is a bug between mmserve's own services, so it is an {@link IllegalStateException}
 * (answered as INTERNAL), not bad input.
 */
public final class EmbeddingMatrix {
  private final int rows;
  private final int cols;
  private final float[] values;

  private EmbeddingMatrix(int rows, int cols, float[] values) {
    this.rows = rows;
    this.cols = cols;
    this.values = values;
  }

  /**
   * Reads a float32 matrix.
   *
   * @param source who sent it ("text encoder"), for messages
   * @param shape the tensor's shape; must be [expectedRows, cols] with cols > 0
   * @param data rows x cols little-endian floats, nothing more
   * @param expectedRows the number of items the request sent
   * @throws IllegalStateException if shape or data do not fit
   */
  public static EmbeddingMatrix fromFloat32(
      String source, long[] shape, ByteBuffer data, int expectedRows) {
    if (shape.length != 2 || shape[0] != expectedRows || shape[1] < 1 || shape[1] > (1 << 20)) {
      throw new IllegalStateException(
          source
              + " returned embeddings of shape "
              + Arrays.toString(shape)
              + " for "
              + expectedRows
              + " items");
    }
    int cols = (int) shape[1];
    long expectedBytes = (long) expectedRows * cols * Float.BYTES;
    if (data.remaining() != expectedBytes) {
      throw new IllegalStateException(
          source
              + " returned "
              + data.remaining()
              + " bytes of embeddings, but shape "
              + Arrays.toString(shape)
              + " needs "
              + expectedBytes);
    }
    float[] values = new float[expectedRows * cols];
    FloatBuffer floats = data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    floats.get(values);
    return new EmbeddingMatrix(expectedRows, cols, values);
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** Element (row, col). */
  public float get(int row, int col) {
    return values[row * cols + col];
  }
}
