package io.mmserve.gateway;

import com.google.protobuf.ByteString;
import io.mmserve.tensor.v1.DataType;
import io.mmserve.tensor.v1.Tensor;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Row operations on the packed tensors of the internal APIs, for passing encoder features on to
 * fusion-svc without decoding them. A tensor a backend sent that does not fit its shape is a bug
 * between mmserve's services: {@link IllegalStateException}.
 */
final class Tensors {
  private Tensors() {}

  /** A tensor of {@code count} copies of row {@code row} of {@code tensor} (any dtype). */
  static Tensor repeatRow(Tensor tensor, int row, int count) {
    ByteString one = rowBytes(tensor, row);
    List<ByteString> copies = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      copies.add(one);
    }
    return withRows(tensor, count, ByteString.copyFrom(copies));
  }

  /** A tensor of the given rows of {@code tensor}, in the given order. */
  static Tensor selectRows(Tensor tensor, List<Integer> rows) {
    List<ByteString> selected = new ArrayList<>(rows.size());
    for (int row : rows) {
      selected.add(rowBytes(tensor, row));
    }
    return withRows(tensor, rows.size(), ByteString.copyFrom(selected));
  }

  /**
   * The values of a FLOAT32 tensor of the given shape.
   *
   * @param source the backend that sent it, for messages
   * @throws IllegalStateException if dtype, shape or data length differ
   */
  static float[] floats(String source, String name, Tensor tensor, long... shape) {
    long[] actual = shape(tensor);
    if (tensor.getDtype() != DataType.FLOAT32 || !Arrays.equals(actual, shape)) {
      throw new IllegalStateException(
          source
              + " returned "
              + name
              + " of dtype "
              + tensor.getDtype()
              + " and shape "
              + Arrays.toString(actual)
              + ", expected FLOAT32 "
              + Arrays.toString(shape));
    }
    long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
    if (tensor.getData().size() != count * Float.BYTES) {
      throw new IllegalStateException(
          source + " returned " + tensor.getData().size() + " bytes of " + name + " for " + count);
    }
    float[] values = new float[(int) count];
    FloatBuffer floats =
        tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    floats.get(values);
    return values;
  }

  static long[] shape(Tensor tensor) {
    return tensor.getShapeList().stream().mapToLong(Long::longValue).toArray();
  }

  static ByteString rowBytes(Tensor tensor, int row) {
    long rows = tensor.getShapeCount() == 0 ? 0 : tensor.getShape(0);
    if (row < 0 || row >= rows || tensor.getData().size() % rows != 0) {
      throw new IllegalStateException(
          "no row " + row + " in a tensor of shape " + Arrays.toString(shape(tensor)));
    }
    int rowSize = (int) (tensor.getData().size() / rows);
    return tensor.getData().substring(row * rowSize, (row + 1) * rowSize);
  }

  /** Row {@code row} of {@code tensors.get(i)} for each (tensor, row) pair, stacked in order. */
  static Tensor gatherRows(List<Tensor> tensors, int[] rows) {
    List<ByteString> selected = new ArrayList<>(rows.length);
    for (int i = 0; i < rows.length; i++) {
      selected.add(rowBytes(tensors.get(i), rows[i]));
    }
    return withRows(tensors.get(0), rows.length, ByteString.copyFrom(selected));
  }

  private static Tensor withRows(Tensor tensor, int rows, ByteString data) {
    return tensor.toBuilder().setShape(0, rows).setData(data).build();
  }
}
