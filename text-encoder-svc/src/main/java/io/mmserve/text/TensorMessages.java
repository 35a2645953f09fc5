package io.mmserve.text;

import com.google.protobuf.ByteString;
import io.mmserve.inference.Tensor;
import io.mmserve.tensor.v1.DataType;

/** Converts inference tensors to the internal API's {@code mmserve.tensor.v1.Tensor}. */
final class TensorMessages {
  private TensorMessages() {}

  /** The tensor as a message: dtype, shape and its packed little-endian bytes. */
  static io.mmserve.tensor.v1.Tensor toMessage(Tensor tensor) {
    io.mmserve.tensor.v1.Tensor.Builder message =
        io.mmserve.tensor.v1.Tensor.newBuilder()
            .setDtype(dataType(tensor))
            .setData(ByteString.copyFrom(tensor.data()));
    for (long dim : tensor.shape()) {
      message.addShape(dim);
    }
    return message.build();
  }

  private static DataType dataType(Tensor tensor) {
    return switch (tensor.dtype()) {
      case FLOAT32 -> DataType.FLOAT32;
      case INT64 -> DataType.INT64;
    };
  }
}
