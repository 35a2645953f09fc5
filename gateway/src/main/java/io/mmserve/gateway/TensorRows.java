package io.mmserve.gateway;

import com.google.protobuf.ByteString;
import io.mmserve.tensor.v1.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of the internal APIs' tensors (any dtype), taken along the leading axis without decoding or
 * copying them: a row is a {@link ByteString#substring} of the tensor's bytes and rows are joined
 * by concatenation, so encoder features pass on to fusion-svc, and a shared batch's answer to each
 * of its callers, as the bytes that came off the wire. A tensor whose rows do not fit its bytes is
 * a bug between mmserve's services: {@link IllegalStateException}.
 */
final class TensorRows {
  private TensorRows() {}

  /** A tensor of {@code count} copies of row {@code row} of {@code tensor}. */
  static Tensor repeat(Tensor tensor, int row, int count) {
    ByteString one = rowBytes(tensor, row);
    List<ByteString> copies = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      copies.add(one);
    }
    return withRows(tensor, count, copies);
  }

  /** A tensor of the given rows of {@code tensor}, in the given order. */
  static Tensor select(Tensor tensor, List<Integer> rows) {
    List<ByteString> selected = new ArrayList<>(rows.size());
    for (int row : rows) {
      selected.add(rowBytes(tensor, row));
    }
    return withRows(tensor, rows.size(), selected);
  }

  /** Rows {@code from} (inclusive) to {@code to} (exclusive) of {@code tensor}. */
  static Tensor range(Tensor tensor, int from, int to) {
    if (from < 0 || from >= to) {
      throw new IllegalStateException(
          "no rows " + from + ".." + to + " in a tensor of shape " + shapeOf(tensor));
    }
    int rowSize = rowBytes(tensor, from).size();
    rowBytes(tensor, to - 1); // checks that the last row exists
    return withRows(
        tensor, to - from, List.of(tensor.getData().substring(from * rowSize, to * rowSize)));
  }

  /** Row {@code rows[i]} of {@code tensors.get(i)} for each i, stacked in order. */
  static Tensor gather(List<Tensor> tensors, int[] rows) {
    List<ByteString> selected = new ArrayList<>(rows.length);
    for (int i = 0; i < rows.length; i++) {
      selected.add(rowBytes(tensors.get(i), rows[i]));
    }
    return withRows(tensors.get(0), rows.length, selected);
  }

  private static ByteString rowBytes(Tensor tensor, int row) {
    long rows = tensor.getShapeCount() == 0 ? 0 : tensor.getShape(0);
    if (row < 0 || row >= rows || tensor.getData().size() % rows != 0) {
      throw new IllegalStateException("no row " + row + " in a tensor of shape " + shapeOf(tensor));
    }
    int rowSize = (int) (tensor.getData().size() / rows);
    return tensor.getData().substring(row * rowSize, (row + 1) * rowSize);
  }

  /** {@code tensor} with {@code rows} leading rows and these bytes, joined without copying. */
  private static Tensor withRows(Tensor tensor, int rows, List<ByteString> data) {
    return tensor.toBuilder().setShape(0, rows).setData(ByteString.copyFrom(data)).build();
  }

  private static String shapeOf(Tensor tensor) {
    return Arrays.toString(tensor.getShapeList().toArray());
  }
}
