package io.mmserve.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class NpyTest {
  // Written by numpy 1.26: np.save(np.arange(6, dtype=np.float32).reshape(2, 3)) and friends.
  private static final String FLOATS_2X3 =
      "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=";
  private static final String LONGS_1X2 =
      "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAAP7/////////";
  private static final String BYTES_3 =
      "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoA/wc=";

  private static Npy.Array parse(String b64) {
    return Npy.parse(Base64.getDecoder().decode(b64), "test.npy");
  }

  @Test
  void parse_readsFloat32ShapeAndValues() {
    Npy.Array a = parse(FLOATS_2X3);
    assertArrayEquals(new long[] {2, 3}, a.shape());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, a.floats());
  }

  @Test
  void parse_readsInt64IncludingNegatives() {
    assertArrayEquals(new long[] {1, -2}, parse(LONGS_1X2).longs());
  }

  @Test
  void parse_readsUint8AsUnsigned() {
    Npy.Array a = parse(BYTES_3);
    assertArrayEquals(new long[] {3}, a.shape());
    assertArrayEquals(new int[] {0, 255, 7}, a.unsignedBytes());
  }

  @Test
  void floats_rejectsOtherDtype() {
    assertThrows(IllegalStateException.class, () -> parse(LONGS_1X2).floats());
  }

  @Test
  void parse_rejectsNonNpyBytes() {
    assertThrows(IllegalArgumentException.class, () -> Npy.parse(new byte[12], "x.npy"));
  }
}
