package io.mmserve.inference.pack;

import io.mmserve.inference.DType;
import java.util.List;
import java.util.Objects;

/**
 * A model input or output as the manifest declares it.
 *
 * @param name the tensor name in the model file
 * @param dtype the element type
 * @param shape the dimensions; {@value #DYNAMIC} marks a dynamic axis (the batch axis)
 */
public record TensorSpec(String name, DType dtype, List<Long> shape) {
  /** The shape entry of a dynamic axis. */
  public static final long DYNAMIC = -1;

  public TensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = List.copyOf(shape);
  }

  /** The shape as an array. */
  public long[] shapeArray() {
    return shape.stream().mapToLong(Long::longValue).toArray();
  }

  /** True when {@code dims} has this spec's rank and equals it on every fixed axis. */
  public boolean accepts(long[] dims) {
    if (dims.length != shape.size()) {
      return false;
    }
    for (int i = 0; i < dims.length; i++) {
      long expected = shape.get(i);
      if (expected != DYNAMIC && expected != dims[i]) {
        return false;
      }
    }
    return true;
  }
}
