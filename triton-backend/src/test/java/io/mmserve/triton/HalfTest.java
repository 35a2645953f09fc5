package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HalfTest {

  @Test
  void everyHalfValue_roundTripsThroughFloat() {
    for (int bits = 0; bits <= 0xffff; bits++) {
      float value = Half.toFloat((short) bits);
      if (Float.isNaN(value)) {
        continue;
      }
      assertEquals((short) bits, Half.fromFloat(value), "half 0x" + Integer.toHexString(bits));
    }
  }

  @Test
  void fromFloat_roundsHalfwayToEven() {
    // 1 + 2^-11 lies halfway between 1 and the next half (1 + 2^-10): ties go to the even 1.0
    assertEquals((short) 0x3c00, Half.fromFloat(1f + 0x1p-11f));
    // 1 + 3 * 2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even)
    assertEquals((short) 0x3c02, Half.fromFloat(1f + 3 * 0x1p-11f));
  }
}
