package io.mmserve.gateway;

import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;

/**
 * How many items one request may carry. A request with no items is bad input; one with more than
 * the limit is over a size limit.
 *
 * @param maxTexts most texts in one EmbedText request
 * @param maxImages most images in one EmbedImage request
 */
public record RequestLimits(int maxTexts, int maxImages) {
  public RequestLimits {
    if (maxTexts < 1) {
      throw new IllegalArgumentException("maxTexts must be at least 1, but was " + maxTexts);
    }
    if (maxImages < 1) {
      throw new IllegalArgumentException("maxImages must be at least 1, but was " + maxImages);
    }
  }

  /**
   * Checks the number of texts in a request.
   *
   * @throws InvalidInputException if there are none
   * @throws ResourceLimitException if there are more than {@link #maxTexts()}
   */
  public void checkTextCount(int count) {
    checkCount("texts", "text", count, maxTexts);
  }

  /**
   * Checks the number of images in a request.
   *
   * @throws InvalidInputException if there are none
   * @throws ResourceLimitException if there are more than {@link #maxImages()}
   */
  public void checkImageCount(int count) {
    checkCount("images", "image", count, maxImages);
  }

  private static void checkCount(String field, String noun, int count, int max) {
    if (count == 0) {
      throw new InvalidInputException(
          field + ": the request has no " + field + "; send at least one " + noun);
    }
    if (count > max) {
      throw new ResourceLimitException(
          field + ": " + count + " " + field + " exceed the limit of " + max + " per request");
    }
  }
}
