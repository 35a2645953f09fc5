package io.mmserve.fusion;

import com.google.protobuf.ByteString;
import io.mmserve.fusion.model.FloatInput;
import io.mmserve.fusion.model.LongInput;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.tensor.v1.DataType;
import io.mmserve.tensor.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts between the internal API's {@code mmserve.tensor.v1.Tensor} (packed little-endian) and
 * the arrays of the fusion model. A malformed tensor is an {@link InvalidInputException} naming the
 * field.
 */
final class TensorMessages {
  private TensorMessages() {}

  /** The FLOAT32 tensor of request field {@code name}; an unset field has a null shape. */
  static FloatInput floats(String name, boolean present, Tensor message) {
    if (!present) {
      return new FloatInput(name, null, null);
    }
    long[] shape = checkedShape(name, message, DataType.FLOAT32, Float.BYTES);
    float[] values = new float[message.getData().size() / Float.BYTES];
    littleEndian(message.getData()).asFloatBuffer().get(values);
    return new FloatInput(name, shape, values);
  }

  /** The INT64 tensor of request field {@code name}; an unset field has a null shape. */
  static LongInput longs(String name, boolean present, Tensor message) {
    if (!present) {
      return new LongInput(name, null, null);
    }
    long[] shape = checkedShape(name, message, DataType.INT64, Long.BYTES);
    long[] values = new long[message.getData().size() / Long.BYTES];
    littleEndian(message.getData()).asLongBuffer().get(values);
    return new LongInput(name, shape, values);
  }

  /** A FLOAT32 tensor message of these values. */
  static Tensor toMessage(float[] values, long... shape) {
    ByteBuffer bytes =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    Tensor.Builder message =
        Tensor.newBuilder().setDtype(DataType.FLOAT32).setData(ByteString.copyFrom(bytes));
    for (long dim : shape) {
      message.addShape(dim);
    }
    return message.build();
  }

  private static long[] checkedShape(String name, Tensor message, DataType dtype, int size) {
    if (message.getDtype() != dtype) {
      throw new InvalidInputException(
          name + " must have dtype " + dtype + ", but has " + message.getDtype());
    }
    long[] shape = new long[message.getShapeCount()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = message.getShape(i);
      if (shape[i] < 0) {
        throw new InvalidInputException(
            name + ".shape[" + i + "] is " + shape[i] + "; dimensions must be >= 0");
      }
      count = shape[i] == 0 ? 0 : count;
      if (count > 0 && shape[i] > Integer.MAX_VALUE / size / count) {
        throw new InvalidInputException(
            name + " shape " + message.getShapeList() + " is too large");
      }
      count *= shape[i];
    }
    if (message.getData().size() != count * size) {
      throw new InvalidInputException(
          name
              + " has shape "
              + message.getShapeList()
              + " ("
              + count * size
              + " bytes of "
              + dtype
              + ") but its data holds "
              + message.getData().size()
              + " bytes");
    }
    return shape;
  }

  private static ByteBuffer littleEndian(ByteString data) {
    return data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }
}
