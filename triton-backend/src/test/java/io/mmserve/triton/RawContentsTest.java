package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.mmserve.inference.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawContentsTest {

  @Test
  void encode_fp32IsLittleEndianRowMajor() {
    Tensor tensor = Tensor.ofFloats(new float[] {1f, 2f, 3f, 4f}, 2, 2);
    ByteString raw = RawContents.encode(tensor, WireType.FP32);
    ByteBuffer in = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(16, raw.size());
    assertEquals(1f, in.getFloat(0));
    assertEquals(4f, in.getFloat(12));
    assertEquals(0x3f, raw.byteAt(3)); // 1.0f = 0x3f800000, high byte last
  }

  @Test
  void decode_roundTripsFp32AndInt64() {
    Tensor floats = Tensor.ofFloats(new float[] {0.5f, -1.25f, 3f}, 1, 3);
    Tensor longs = Tensor.ofLongs(new long[] {1L << 40, -7}, 2);
    assertEquals(
        floats,
        RawContents.decode(
            WireType.FP32, floats.shape(), RawContents.encode(floats, WireType.FP32)));
    assertEquals(
        longs,
        RawContents.decode(
            WireType.INT64, longs.shape(), RawContents.encode(longs, WireType.INT64)));
  }

  @Test
  void encode_fp16RoundsToNearestEven() {
    Tensor tensor = Tensor.ofFloats(new float[] {1f, 65504f, 0.1f, -2f, 1e-8f, 70000f}, 6);
    ByteBuffer raw =
        RawContents.encode(tensor, WireType.FP16)
            .asReadOnlyByteBuffer()
            .order(ByteOrder.LITTLE_ENDIAN);
    assertEquals((short) 0x3c00, raw.getShort(0));
    assertEquals((short) 0x7bff, raw.getShort(2));
    assertEquals((short) 0x2e66, raw.getShort(4)); // numpy.float16(0.1).view(uint16) == 0x2e66
    assertEquals((short) 0xc000, raw.getShort(6));
    assertEquals((short) 0x0000, raw.getShort(8));
    assertEquals((short) 0x7c00, raw.getShort(10)); // overflow to infinity
  }

  @Test
  void decode_fp16WidensToFloat32() {
    ByteString raw = ByteString.copyFrom(new byte[] {0x00, 0x3c, 0x01, 0x00, 0x00, (byte) 0xc0});
    Tensor tensor = RawContents.decode(WireType.FP16, new long[] {3}, raw);
    assertArrayEquals(new float[] {1f, 0x1p-24f, -2f}, tensor.toFloatArray());
  }

  @Test
  void encode_int32RejectsValuesOutOfRange() {
    Tensor tensor = Tensor.ofLongs(new long[] {1, 1L << 33}, 2);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> RawContents.encode(tensor, WireType.INT32));
    assertEquals("8589934592 does not fit in -2147483648..2147483647", e.getMessage());
  }

  @Test
  void decode_uint8AndInt32WidenToInt64() {
    Tensor bytes =
        RawContents.decode(
            WireType.UINT8, new long[] {2}, ByteString.copyFrom(new byte[] {(byte) 255, 7}));
    assertArrayEquals(new long[] {255, 7}, bytes.toLongArray());
    Tensor ints = Tensor.ofLongs(new long[] {-3, 5}, 2);
    assertArrayEquals(
        new long[] {-3, 5},
        RawContents.decode(WireType.INT32, ints.shape(), RawContents.encode(ints, WireType.INT32))
            .toLongArray());
  }

  @Test
  void decode_rejectsAByteCountThatDoesNotMatchTheShape() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RawContents.decode(
                    WireType.FP32, new long[] {2, 3}, ByteString.copyFrom(new byte[20])));
    assertEquals("FP32 [2, 3] needs 24 bytes, but got 20", e.getMessage());
  }

  @Test
  void decode_rejectsAShapeWhoseElementCountOverflows() {
    // found by RawContentsFuzzTest: an ArithmeticException escaped the decoder
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RawContents.decode(
                    WireType.FP16, new long[] {1L << 32, 1L << 32}, ByteString.EMPTY));
    assertEquals(
        "shape [4294967296, 4294967296] has more than 9223372036854775807 elements",
        e.getMessage());
  }

  @Test
  void decode_rejectsAShapeLargerThanAnyMessage() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RawContents.decode(
                    WireType.INT64, new long[] {1L << 61}, ByteString.copyFrom(new byte[8])));
    assertEquals(
        "INT64 [2305843009213693952] needs 2305843009213693952 elements of 8 bytes, but got 8"
            + " bytes",
        e.getMessage());
  }

  @Test
  void bytes_areLengthPrefixedLittleEndian() {
    ByteString raw =
        RawContents.encodeBytes(
            List.of("ab".getBytes(StandardCharsets.UTF_8), new byte[0], new byte[] {9}));
    assertEquals(
        ByteString.copyFrom(new byte[] {2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0, 1, 0, 0, 0, 9}), raw);
    List<byte[]> back = RawContents.decodeBytes(raw);
    assertEquals(3, back.size());
    assertArrayEquals("ab".getBytes(StandardCharsets.UTF_8), back.get(0));
    assertArrayEquals(new byte[] {9}, back.get(2));
  }

  @Test
  void decodeBytes_rejectsALengthPastTheEnd() {
    ByteString raw = ByteString.copyFrom(new byte[] {5, 0, 0, 0, 'a'});
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RawContents.decodeBytes(raw));
    assertEquals("BYTES element 0: length 5 exceeds the 1 bytes left", e.getMessage());
  }
}
