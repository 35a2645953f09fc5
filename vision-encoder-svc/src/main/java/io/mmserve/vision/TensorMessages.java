package io.mmserve.vision;

import com.google.protobuf.ByteString;
import io.mmserve.inference.Tensor;
import io.mmserve.tensor.v1.DataType;

/** Converts domain tensors to their wire form: packed little-endian bytes, dtype and shape. */
final class TensorMessages {
  private TensorMessages() {}

  /** The proto form of {@code tensor}; its data is copied once. */
  static io.mmserve.tensor.v1.Tensor toProto(Tensor tensor) {
    io.mmserve.tensor.v1.Tensor.Builder out =
        io.mmserve.tensor.v1.Tensor.newBuilder()
            .setDtype(dataType(tensor))
            .setData(ByteString.copyFrom(tensor.data()));
    for (long dim : tensor.shape()) {
      out.addShape(dim);
    }
    return out.build();
  }

  private static DataType dataType(Tensor tensor) {
    return switch (tensor.dtype()) {
      case FLOAT32 -> DataType.FLOAT32;
      case INT64 -> DataType.INT64;
    };
  }
}
