package io.mmserve.gateway;

import com.google.protobuf.ByteString;
import io.mmserve.tensor.v1.DataType;
import io.mmserve.tensor.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

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
   * Reads the FLOAT32 [expectedRows, cols] tensor a backend returned.
   *
   * @throws IllegalStateException if the dtype, shape or data do not fit
   */
  public static EmbeddingMatrix fromTensor(String source, Tensor tensor, int expectedRows) {
    if (tensor.getDtype() != DataType.FLOAT32) {
      throw new IllegalStateException(
          source + " returned embeddings of dtype " + tensor.getDtype() + ", not FLOAT32");
    }
    return fromFloat32(
        source,
        tensor.getShapeList().stream().mapToLong(Long::longValue).toArray(),
        tensor.getData().asReadOnlyByteBuffer(),
        expectedRows);
  }

  /**
   * A matrix of the given rows, which must all have the same length.
   *
   * @throws IllegalArgumentException if there are no rows or their lengths differ
   */
  public static EmbeddingMatrix ofRows(List<float[]> rows) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("a matrix needs at least one row");
    }
    int cols = rows.get(0).length;
    float[] values = new float[rows.size() * cols];
    for (int r = 0; r < rows.size(); r++) {
      float[] row = rows.get(r);
      if (row.length != cols) {
        throw new IllegalArgumentException(
            "row " + r + " has " + row.length + " values, but row 0 has " + cols);
      }
      System.arraycopy(row, 0, values, r * cols, cols);
    }
    return new EmbeddingMatrix(rows.size(), cols, values);
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

  /** A copy of one row. */
  public float[] row(int row) {
    return Arrays.copyOfRange(values, row * cols, (row + 1) * cols);
  }

  /** The matrix as a FLOAT32 [rows, cols] tensor of the internal APIs. */
  public Tensor toTensor() {
    ByteBuffer data =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(values);
    return Tensor.newBuilder()
        .setDtype(DataType.FLOAT32)
        .addShape(rows)
        .addShape(cols)
        .setData(ByteString.copyFrom(data))
        .build();
  }
}
