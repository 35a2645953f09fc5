package io.mmserve.triton;

import com.google.protobuf.ByteString;
import io.mmserve.inference.DType;
import io.mmserve.inference.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Converts tensors to and from KServe v2 raw contents: the elements in row-major order,
 * little-endian, without padding; a BYTES element is a 4-byte little-endian length and then its
 * bytes. A tensor is converted to the datatype the server declares (FLOAT32 to FP32 or FP16; INT64
 * to INT64, INT32 or UINT8, range-checked) and back (FP16 widened to FLOAT32; INT32 and UINT8 to
 * INT64).
 */
public final class RawContents {
  private RawContents() {}

  /**
   * The raw contents of {@code tensor} as {@code wire} elements.
   *
   * @throws IllegalArgumentException if the tensor's dtype cannot be sent as {@code wire}, or an
   *     integer does not fit it
   */
  public static ByteString encode(Tensor tensor, WireType wire) {
    if (wire.dtype().orElse(null) != tensor.dtype()) {
      throw new IllegalArgumentException(
          "a " + tensor.dtype() + " tensor cannot be sent as " + wire);
    }
    ByteBuffer data = tensor.data();
    if (wire == WireType.FP32 || wire == WireType.INT64) {
      return ByteString.copyFrom(data);
    }
    int n = tensor.elementCount();
    ByteBuffer out = ByteBuffer.allocate(n * wire.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    switch (wire) {
      case FP16 -> {
        for (int i = 0; i < n; i++) {
          out.putShort(Half.fromFloat(data.getFloat()));
        }
      }
      case INT32 -> {
        for (int i = 0; i < n; i++) {
          out.putInt(
              Math.toIntExact(checked(data.getLong(), Integer.MIN_VALUE, Integer.MAX_VALUE)));
        }
      }
      case UINT8 -> {
        for (int i = 0; i < n; i++) {
          out.put((byte) checked(data.getLong(), 0, 255));
        }
      }
      default -> throw new IllegalArgumentException("cannot send " + wire);
    }
    return ByteString.copyFrom(out.flip());
  }

  /**
   * The tensor held by {@code raw}, as its mmserve dtype.
   *
   * @throws IllegalArgumentException if the byte count does not match the shape and datatype (a
   *     shape may claim any size; nothing is allocated before the check), or the datatype is BYTES
   */
  public static Tensor decode(WireType wire, long[] shape, ByteString raw) {
    DType dtype =
        wire.dtype()
            .orElseThrow(() -> new IllegalArgumentException("a BYTES tensor has no numeric form"));
    long count = elementCount(shape);
    if (count > Integer.MAX_VALUE / wire.byteSize()) {
      // more bytes than any ByteString holds; checked first, as count * byteSize may overflow
      throw new IllegalArgumentException(
          wire
              + " "
              + Arrays.toString(shape)
              + " needs "
              + count
              + " elements of "
              + wire.byteSize()
              + " bytes, but got "
              + raw.size()
              + " bytes");
    }
    if (raw.size() != count * wire.byteSize()) {
      throw new IllegalArgumentException(
          wire
              + " "
              + Arrays.toString(shape)
              + " needs "
              + count * wire.byteSize()
              + " bytes, but got "
              + raw.size());
    }
    ByteBuffer in = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    if (wire == WireType.FP32 || wire == WireType.INT64) {
      return Tensor.of(dtype, shape, in);
    }
    int n = (int) count;
    return switch (wire) {
      case FP16 -> {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
          values[i] = Half.toFloat(in.getShort());
        }
        yield Tensor.ofFloats(values, shape);
      }
      case INT32 -> {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
          values[i] = in.getInt();
        }
        yield Tensor.ofLongs(values, shape);
      }
      case UINT8 -> {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
          values[i] = Byte.toUnsignedLong(in.get());
        }
        yield Tensor.ofLongs(values, shape);
      }
      default -> throw new IllegalArgumentException("cannot read " + wire);
    };
  }

  /** BYTES raw contents: each element as a 4-byte little-endian length and its bytes. */
  public static ByteString encodeBytes(List<byte[]> elements) {
    int size = 0;
    for (byte[] element : elements) {
      size = Math.addExact(size, 4 + element.length);
    }
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] element : elements) {
      out.putInt(element.length).put(element);
    }
    return ByteString.copyFrom(out.flip());
  }

  /**
   * The elements of BYTES raw contents.
   *
   * @throws IllegalArgumentException if a length runs past the end
   */
  public static List<byte[]> decodeBytes(ByteString raw) {
    ByteBuffer in = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> elements = new ArrayList<>();
    while (in.hasRemaining()) {
      if (in.remaining() < 4) {
        throw new IllegalArgumentException(
            "BYTES element "
                + elements.size()
                + ": "
                + in.remaining()
                + " bytes left for a length");
      }
      int length = in.getInt();
      if (length < 0 || length > in.remaining()) {
        throw new IllegalArgumentException(
            "BYTES element "
                + elements.size()
                + ": length "
                + Integer.toUnsignedString(length)
                + " exceeds the "
                + in.remaining()
                + " bytes left");
      }
      byte[] element = new byte[length];
      in.get(element);
      elements.add(element);
    }
    return elements;
  }

  private static long checked(long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(value + " does not fit in " + min + ".." + max);
    }
    return value;
  }

  private static long elementCount(long[] shape) {
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      if (d != 0 && count > Long.MAX_VALUE / d) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has more than " + Long.MAX_VALUE + " elements");
      }
      count *= d;
    }
    return count;
  }
}
