package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;
import org.junit.jupiter.api.Test;

class RequestLimitsTest {
  private final RequestLimits limits = RequestLimits.of(2, 1);

  @Test
  void checkTextCount_acceptsOneUpToTheLimit() {
    assertDoesNotThrow(() -> limits.checkTextCount(1));
    assertDoesNotThrow(() -> limits.checkTextCount(2));
  }

  @Test
  void checkTextCount_rejectsNoTextsAsBadInput() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> limits.checkTextCount(0));

    assertEquals("texts: the request has no texts; send at least one text", e.getMessage());
  }

  @Test
  void checkImageCount_rejectsMoreThanTheLimitNamingIt() {
    ResourceLimitException e =
        assertThrows(ResourceLimitException.class, () -> limits.checkImageCount(2));

    assertEquals("images: 2 images exceed the limit of 1 per request", e.getMessage());
  }

  @Test
  void constructor_rejectsLimitBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> RequestLimits.of(0, 1));
  }
}
