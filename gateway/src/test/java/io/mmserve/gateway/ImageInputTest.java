package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.errors.InvalidInputException;
import org.junit.jupiter.api.Test;

class ImageInputTest {

  @Test
  void encoded_withBytes_passes() {
    assertDoesNotThrow(() -> new ImageInput.Encoded(10).check(0));
  }

  @Test
  void encoded_empty_failsNamingTheIndex() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> new ImageInput.Encoded(0).check(4));

    assertEquals("images[4]: encoded bytes are empty", e.getMessage());
  }

  @Test
  void raw_ofMatchingLength_passes() {
    assertDoesNotThrow(() -> new ImageInput.Raw(3, 2, 4, "RGBA8", 24).check(0));
  }

  @Test
  void raw_zeroSized_fails() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> new ImageInput.Raw(0, 5, 3, "RGB8", 0).check(1));

    assertEquals("images[1]: raw image is 0x5; width and height must be > 0", e.getMessage());
  }

  @Test
  void raw_unknownFormat_fails() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> new ImageInput.Raw(1, 1, 0, "9", 3).check(0));

    assertEquals("images[0]: raw pixel format 9 is not supported", e.getMessage());
  }

  @Test
  void raw_sizeOverflowingLong_failsWithoutWrapping() {
    long max = 0xFFFF_FFFFL;
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> new ImageInput.Raw(max, max, 4, "RGBA8", 16).check(0));

    assertEquals(
        "images[0]: raw data has 16 bytes, but 4294967295x4294967295 RGBA8 needs more than "
            + Long.MAX_VALUE,
        e.getMessage());
  }

  @Test
  void missing_fails() {
    assertThrows(InvalidInputException.class, () -> new ImageInput.Missing().check(0));
  }
}
