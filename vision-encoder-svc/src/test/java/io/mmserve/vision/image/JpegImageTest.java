package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JpegImageTest {

  @Test
  void nextFF_findsTheFirstFfByteAtEveryPositionAndStart() {
    for (int length = 0; length <= 40; length++) {
      for (int ff = 0; ff <= length; ff++) { // ff == length: no 0xFF byte at all
        byte[] data = new byte[length];
        Arrays.fill(data, (byte) 0xFE);
        for (int i = ff; i < length; i += 3) {
          data[i] = (byte) 0xFF;
        }
        for (int start = 0; start <= length; start++) {
          int expected = start;
          while (expected < length && data[expected] != (byte) 0xFF) {
            expected++;
          }

          assertEquals(expected, JpegImage.nextFF(data, start), length + "/" + ff + "/" + start);
        }
      }
    }
  }
}
