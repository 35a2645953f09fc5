package io.mmserve.inference;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.tensor.v1.DataType;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The one conversion between {@link Tensor} and the internal APIs' {@code mmserve.tensor.v1.Tensor}
 * (dtype, shape, packed little-endian bytes), used by every service.
 *
 * <p>No bytes are copied where they can be shared. {@link #encode} wraps the tensor's heap array in
 * the message ({@link UnsafeByteOperations#unsafeWrap}), which is safe because a {@link Tensor} is
 * immutable; gRPC then writes the bytes straight from that array. (A tensor over direct memory,
 * which only {@link Tensor#wrap} makes, is copied once: protobuf-java cannot share direct memory.)
 * {@link #decode} wraps the message's bytes when they are one flat piece, as a parsed message's
 * are; only a concatenated {@link ByteString} is flattened first.
 *
 * <p>A message that breaks a rule is an {@link InvalidInputException} (INVALID_ARGUMENT) naming the
 * field and the rule: {@code "text_embeddings: shape [2, 3] needs 24 bytes of FLOAT32, but its data
 * holds 20 bytes"}. A service reading another mmserve service's answer catches it and reports a bug
 * between services instead.
 */
public final class TensorCodec {
  private TensorCodec() {}

  /** The message form of {@code tensor}, sharing its bytes. */
  public static io.mmserve.tensor.v1.Tensor encode(Tensor tensor) {
    io.mmserve.tensor.v1.Tensor.Builder message =
        io.mmserve.tensor.v1.Tensor.newBuilder()
            .setDtype(dataType(tensor.dtype()))
            .setData(UnsafeByteOperations.unsafeWrap(tensor.buffer()));
    for (long dim : tensor.shape()) {
      message.addShape(dim);
    }
    return message.build();
  }

  /** A FLOAT32 message of {@code values} with {@code shape}: one copy, into the message's bytes. */
  public static io.mmserve.tensor.v1.Tensor encodeFloats(float[] values, long... shape) {
    return encode(Tensor.ofFloats(values, shape));
  }

  /**
   * A FLOAT32 [rows, dim] message of {@code rows}: one copy, into the message's bytes.
   *
   * @throws IllegalArgumentException if there are no rows or their lengths differ
   */
  public static io.mmserve.tensor.v1.Tensor encodeRows(List<float[]> rows) {
    return encode(Tensor.ofFloatRows(rows));
  }

  /**
   * The tensor of request field {@code field}, over the message's bytes.
   *
   * @throws InvalidInputException if the dtype is not set or not one of {@link DType}, a dimension
   *     is negative, the tensor would exceed 2 GiB, or the data length is not the shape's element
   *     count times the dtype's size
   */
  public static Tensor decode(String field, io.mmserve.tensor.v1.Tensor message) {
    DType dtype = dtypeOf(field, message.getDtype());
    long[] shape = checkShape(field, message, dtype);
    return Tensor.wrap(
        dtype, shape, message.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
  }

  /**
   * As {@link #decode(String, io.mmserve.tensor.v1.Tensor)}, and the dtype must be {@code dtype}.
   *
   * @throws InvalidInputException if it is another, or the message breaks a rule of {@link
   *     #decode(String, io.mmserve.tensor.v1.Tensor)}
   */
  public static Tensor decode(String field, io.mmserve.tensor.v1.Tensor message, DType dtype) {
    requireDtype(field, message, dtype);
    return decode(field, message);
  }

  /**
   * Checks the message as {@link #decode(String, io.mmserve.tensor.v1.Tensor, DType)} does without
   * reading its data, for a service that passes the bytes on untouched.
   *
   * @return the shape
   * @throws InvalidInputException naming the field and the rule it breaks
   */
  public static long[] check(String field, io.mmserve.tensor.v1.Tensor message, DType dtype) {
    requireDtype(field, message, dtype);
    return checkShape(field, message, dtype);
  }

  /** The shape, after checking its dimensions and that the data holds exactly its elements. */
  private static long[] checkShape(String field, io.mmserve.tensor.v1.Tensor message, DType dtype) {
    long[] shape = new long[message.getShapeCount()];
    long elements = 1;
    for (int axis = 0; axis < shape.length; axis++) {
      shape[axis] = message.getShape(axis);
      if (shape[axis] < 0) {
        throw new InvalidInputException(
            field
                + ".shape["
                + axis
                + "]: "
                + shape[axis]
                + " is negative; every dimension must be >= 0");
      }
      elements = saturatedProduct(elements, shape[axis]);
    }
    long bytes = saturatedProduct(elements, dtype.byteSize());
    if (bytes > Integer.MAX_VALUE) {
      throw new InvalidInputException(
          field
              + ": shape "
              + Arrays.toString(shape)
              + " is too large; a tensor holds at most "
              + Integer.MAX_VALUE
              + " bytes");
    }
    int size = message.getData().size();
    if (size != bytes) {
      throw new InvalidInputException(
          field
              + ": shape "
              + Arrays.toString(shape)
              + " needs "
              + bytes
              + " bytes of "
              + dataType(dtype)
              + ", but its data holds "
              + size
              + " bytes");
    }
    return shape;
  }

  private static void requireDtype(String field, io.mmserve.tensor.v1.Tensor message, DType dtype) {
    if (message.getDtype() != dataType(dtype)) {
      throw new InvalidInputException(
          field
              + ": must have dtype "
              + dataType(dtype)
              + ", but has "
              + message.getDtype().name());
    }
  }

  private static DType dtypeOf(String field, DataType dataType) {
    return switch (dataType) {
      case FLOAT32 -> DType.FLOAT32;
      case INT64 -> DType.INT64;
      case DATA_TYPE_UNSPECIFIED ->
          throw new InvalidInputException(field + ": dtype is not set; use FLOAT32 or INT64");
      default ->
          throw new InvalidInputException(
              field + ": dtype " + dataType.name() + " is not supported; use FLOAT32 or INT64");
    };
  }

  private static DataType dataType(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> DataType.FLOAT32;
      case INT64 -> DataType.INT64;
    };
  }

  /** {@code a x b} for non-negative factors, or {@link Long#MAX_VALUE} when it overflows. */
  private static long saturatedProduct(long a, long b) {
    return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
  }
}
