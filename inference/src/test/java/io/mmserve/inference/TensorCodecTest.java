package io.mmserve.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.tensor.v1.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorCodecTest {
  private static io.mmserve.tensor.v1.Tensor message(DataType dtype, int bytes, long... shape) {
    io.mmserve.tensor.v1.Tensor.Builder m =
        io.mmserve.tensor.v1.Tensor.newBuilder()
            .setDtype(dtype)
            .setData(ByteString.copyFrom(new byte[bytes]));
    for (long d : shape) {
      m.addShape(d);
    }
    return m.build();
  }

  private static String rejection(io.mmserve.tensor.v1.Tensor message) {
    return assertThrows(InvalidInputException.class, () -> TensorCodec.decode("x", message))
        .getMessage();
  }

  @Test
  void encode_writesDtypeShapeAndLittleEndianBytes() {
    io.mmserve.tensor.v1.Tensor m = TensorCodec.encode(Tensor.ofLongs(new long[] {1, -2}, 1, 2));

    assertEquals(DataType.INT64, m.getDtype());
    assertEquals(List.of(1L, 2L), m.getShapeList());
    ByteBuffer bytes = m.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1, bytes.getLong(0));
    assertEquals(-2, bytes.getLong(8));
  }

  @Test
  void encode_sharesTheTensorsBufferInsteadOfCopyingIt() {
    ByteBuffer buffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    Tensor tensor = Tensor.wrap(DType.FLOAT32, new long[] {2}, buffer);

    io.mmserve.tensor.v1.Tensor m = TensorCodec.encode(tensor);
    buffer.putFloat(4, 7f); // only to observe the sharing; tensors are never changed

    assertEquals(7f, m.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat(4));
  }

  @Test
  void decode_roundTripsEncode() {
    Tensor tensor = Tensor.ofFloats(new float[] {1.5f, -2f, 0f, Float.NaN, 3f, 4f}, 2, 1, 3);

    Tensor back = TensorCodec.decode("x", TensorCodec.encode(tensor));

    assertEquals(tensor, back);
    assertArrayEquals(tensor.shape(), back.shape());
  }

  @Test
  void decode_sharesTheMessagesBytes() {
    byte[] array = new byte[4];
    io.mmserve.tensor.v1.Tensor m =
        io.mmserve.tensor.v1.Tensor.newBuilder()
            .setDtype(DataType.FLOAT32)
            .addShape(1)
            .setData(UnsafeByteOperations.unsafeWrap(array))
            .build();

    Tensor tensor = TensorCodec.decode("x", m);
    array[3] = 0x3f; // only to observe the sharing
    array[2] = (byte) 0x80;

    assertEquals(1f, tensor.toFloatArray()[0]);
  }

  @Test
  void decode_acceptsAScalarAndAnEmptyTensor() {
    assertArrayEquals(new long[0], TensorCodec.decode("x", message(DataType.INT64, 8)).shape());
    assertEquals(0, TensorCodec.decode("x", message(DataType.FLOAT32, 0, 3, 0)).elementCount());
  }

  @Test
  void decode_rejectsAnUnsetDtype() {
    assertEquals(
        "x: dtype is not set; use FLOAT32 or INT64",
        rejection(message(DataType.DATA_TYPE_UNSPECIFIED, 4, 1)));
  }

  @Test
  void decode_rejectsADtypeWithoutADomainType() {
    assertEquals(
        "x: dtype FLOAT16 is not supported; use FLOAT32 or INT64",
        rejection(message(DataType.FLOAT16, 2, 1)));
  }

  @Test
  void decode_rejectsANegativeDimension() {
    assertEquals(
        "x.shape[1]: -3 is negative; every dimension must be >= 0",
        rejection(message(DataType.FLOAT32, 0, 2, -3)));
  }

  @Test
  void decode_rejectsDataOfTheWrongLength() {
    assertEquals(
        "x: shape [2, 3] needs 24 bytes of FLOAT32, but its data holds 20 bytes",
        rejection(message(DataType.FLOAT32, 20, 2, 3)));
  }

  @Test
  void decode_rejectsAShapeOverTwoGibibytesWithoutOverflowing() {
    assertEquals(
        "x: shape [4294967296, 4294967296, 2] is too large; a tensor holds at most 2147483647"
            + " bytes",
        rejection(message(DataType.FLOAT32, 0, 1L << 32, 1L << 32, 2)));
  }

  @Test
  void decode_rejectsAnotherDtypeThanTheOneAskedFor() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> TensorCodec.decode("mask", message(DataType.FLOAT32, 4, 1), DType.INT64));

    assertEquals("mask: must have dtype INT64, but has FLOAT32", e.getMessage());
  }

  @Test
  void check_returnsTheShapeWithoutDecoding() {
    io.mmserve.tensor.v1.Tensor m = message(DataType.FLOAT32, 24, 2, 3);

    assertArrayEquals(new long[] {2, 3}, TensorCodec.check("x", m, DType.FLOAT32));
  }
}
