package io.mmserve.triton;

import io.mmserve.inference.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Joins the outputs of a batch that was split into several requests. */
final class Tensors {
  private Tensors() {}

  /** The tensors joined along the leading axis; all have the same dtype and trailing shape. */
  static Tensor concat(List<Tensor> parts) {
    Tensor first = parts.get(0);
    long[] shape = first.shape();
    long rows = 0;
    int bytes = 0;
    for (Tensor part : parts) {
      if (part.dtype() != first.dtype() || part.rank() != first.rank()) {
        throw new IllegalArgumentException("cannot join " + part + " with " + first);
      }
      rows += part.dim(0);
      bytes = Math.addExact(bytes, part.data().remaining());
    }
    shape[0] = rows;
    ByteBuffer joined = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (Tensor part : parts) {
      joined.put(part.data());
    }
    return Tensor.wrap(first.dtype(), shape, joined.flip());
  }
}
