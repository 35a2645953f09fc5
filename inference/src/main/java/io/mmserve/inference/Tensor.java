package io.mmserve.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An immutable dense tensor: a dtype, a shape, and the elements in row-major order as little-endian
 * bytes. Every factory copies its input into a new array on the Java heap, except {@link #wrap},
 * which shares the caller's buffer (direct memory for a model's input batch; the heap copy of a
 * model's output). Heap bytes are what {@link TensorCodec} can hand to a protobuf message without a
 * copy (protobuf-java shares arrays, never direct memory); ONNX Runtime reads direct buffers in
 * place and copies heap ones into native memory itself.
 */
public final class Tensor {
  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data;

  private Tensor(DType dtype, long[] shape, ByteBuffer data) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
  }

  /** A FLOAT32 tensor holding a copy of {@code values}. */
  public static Tensor ofFloats(float[] values, long... shape) {
    ByteBuffer buffer = allocate(DType.FLOAT32, shape, values.length);
    buffer.asFloatBuffer().put(values);
    return new Tensor(DType.FLOAT32, shape.clone(), buffer);
  }

  /**
   * A FLOAT32 [rows, dim] tensor holding a copy of {@code rows}, which must all have the same
   * length.
   *
   * @throws IllegalArgumentException if there are no rows or their lengths differ
   */
  public static Tensor ofFloatRows(List<float[]> rows) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("a matrix needs at least one row");
    }
    int dim = rows.get(0).length;
    long[] shape = {rows.size(), dim};
    ByteBuffer buffer = allocate(DType.FLOAT32, shape, (long) rows.size() * dim);
    FloatBuffer floats = buffer.asFloatBuffer();
    for (int r = 0; r < rows.size(); r++) {
      float[] row = rows.get(r);
      if (row.length != dim) {
        throw new IllegalArgumentException(
            "row " + r + " has " + row.length + " values, but row 0 has " + dim);
      }
      floats.put(row);
    }
    return new Tensor(DType.FLOAT32, shape, buffer);
  }

  /** An INT64 tensor holding a copy of {@code values}. */
  public static Tensor ofLongs(long[] values, long... shape) {
    ByteBuffer buffer = allocate(DType.INT64, shape, values.length);
    buffer.asLongBuffer().put(values);
    return new Tensor(DType.INT64, shape.clone(), buffer);
  }

  /**
   * A tensor holding a copy of the remaining bytes of {@code littleEndianData} (for example the
   * bytes of a proto {@code Tensor}). The buffer's position is not changed.
   *
   * @throws IllegalArgumentException if the byte count does not match dtype and shape
   */
  public static Tensor of(DType dtype, long[] shape, ByteBuffer littleEndianData) {
    checkByteCount(dtype, shape, littleEndianData.remaining());
    ByteBuffer buffer = allocate(dtype, shape, littleEndianData.remaining() / dtype.byteSize());
    buffer.put(littleEndianData.duplicate()).flip();
    return new Tensor(dtype, shape.clone(), buffer.order(ByteOrder.LITTLE_ENDIAN));
  }

  /**
   * A tensor over {@code littleEndianData} without copying it; the caller hands the buffer over and
   * must not change it afterwards.
   */
  public static Tensor wrap(DType dtype, long[] shape, ByteBuffer littleEndianData) {
    checkByteCount(dtype, shape, littleEndianData.remaining());
    ByteBuffer view = littleEndianData.slice().order(ByteOrder.LITTLE_ENDIAN);
    return new Tensor(dtype, shape.clone(), view);
  }

  /** Stacks equally shaped tensors along a new leading axis: n tensors of [a, b] give [n, a, b]. */
  public static Tensor stack(List<Tensor> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("cannot stack an empty list of tensors");
    }
    Tensor first = parts.get(0);
    long[] shape = new long[first.shape.length + 1];
    shape[0] = parts.size();
    System.arraycopy(first.shape, 0, shape, 1, first.shape.length);
    ByteBuffer buffer = allocate(first.dtype, shape, first.elementCount() * parts.size());
    for (Tensor part : parts) {
      if (part.dtype != first.dtype || !Arrays.equals(part.shape, first.shape)) {
        throw new IllegalArgumentException("cannot stack " + part + " with " + first);
      }
      buffer.put(part.data.duplicate());
    }
    return new Tensor(first.dtype, shape, buffer.flip().order(ByteOrder.LITTLE_ENDIAN));
  }

  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int axis) {
    return shape[axis];
  }

  public int elementCount() {
    return data.remaining() / dtype.byteSize();
  }

  /** A read-only little-endian view of the elements, positioned at the first. */
  public ByteBuffer data() {
    return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * The elements' own buffer, writable if it was: only for {@link TensorCodec}, which hands it to a
   * message read-only.
   */
  ByteBuffer buffer() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The elements as floats; only for FLOAT32. */
  public float[] toFloatArray() {
    requireDtype(DType.FLOAT32);
    float[] out = new float[elementCount()];
    data().asFloatBuffer().get(out);
    return out;
  }

  /** The elements as longs; only for INT64. */
  public long[] toLongArray() {
    requireDtype(DType.INT64);
    long[] out = new long[elementCount()];
    data().asLongBuffer().get(out);
    return out;
  }

  /** Rows {@code from} (inclusive) to {@code to} (exclusive) of the leading axis, sharing data. */
  public Tensor rows(int from, int to) {
    if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
      throw new IndexOutOfBoundsException("rows " + from + ".." + to + " of " + this);
    }
    int rowBytes = (int) (data.remaining() / Math.max(shape[0], 1));
    ByteBuffer slice = data.slice(from * rowBytes, (to - from) * rowBytes);
    long[] sliced = shape.clone();
    sliced[0] = to - from;
    return new Tensor(dtype, sliced, slice.order(ByteOrder.LITTLE_ENDIAN));
  }

  /** Row {@code index} of the leading axis without that axis: [n, a, b] gives [a, b]. */
  public Tensor row(int index) {
    Tensor one = rows(index, index + 1);
    return new Tensor(dtype, Arrays.copyOfRange(shape, 1, shape.length), one.data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && data.equals(t.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dtype, Arrays.hashCode(shape), data);
  }

  @Override
  public String toString() {
    return "Tensor[" + dtype + " " + Arrays.toString(shape) + "]";
  }

  private void requireDtype(DType wanted) {
    if (dtype != wanted) {
      throw new IllegalStateException("expected a " + wanted + " tensor, but was " + this);
    }
  }

  private static ByteBuffer allocate(DType dtype, long[] shape, long elements) {
    long expected = elementCount(shape);
    if (expected != elements) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(shape)
              + " holds "
              + expected
              + " elements, but got "
              + elements);
    }
    long bytes = expected * dtype.byteSize();
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("tensor of " + bytes + " bytes is too large");
    }
    return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void checkByteCount(DType dtype, long[] shape, int bytes) {
    long expected = elementCount(shape) * dtype.byteSize();
    if (expected != bytes) {
      throw new IllegalArgumentException(
          dtype + " " + Arrays.toString(shape) + " needs " + expected + " bytes, but got " + bytes);
    }
  }

  private static long elementCount(long[] shape) {
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, d);
    }
    return count;
  }
}
