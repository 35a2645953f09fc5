package io.mmserve.text.encoder;

import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;
import java.util.List;

/**
 * How much one request may ask for.
 *
 * @param maxItems most texts in one request
 * @param maxTextChars most characters (Unicode code points) in one text
 */
public record TextLimits(int maxItems, int maxTextChars) {
  public static final int DEFAULT_MAX_ITEMS = 256;
  public static final int DEFAULT_MAX_TEXT_CHARS = 10_000;

  public TextLimits {
    if (maxItems < 1) {
      throw new IllegalArgumentException("maxItems must be at least 1, but was " + maxItems);
    }
    if (maxTextChars < 1) {
      throw new IllegalArgumentException(
          "maxTextChars must be at least 1, but was " + maxTextChars);
    }
  }

  /**
   * Checks a request's texts. An empty text is allowed.
   *
   * @throws InvalidInputException if there are no texts
   * @throws ResourceLimitException if there are too many texts, or a text is too long (naming its
   *     index)
   */
  public void check(List<String> texts) {
    if (texts.isEmpty()) {
      throw new InvalidInputException(FieldViolation.of("texts", "must contain at least one text"));
    }
    if (texts.size() > maxItems) {
      throw new ResourceLimitException(
          FieldViolation.of(
              "texts",
              texts.size() + " texts exceed the limit of " + maxItems + " texts per request"));
    }
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i);
      // a code point is at most two chars: only long texts need counting
      if (text.length() > maxTextChars) {
        int chars = text.codePointCount(0, text.length());
        if (chars > maxTextChars) {
          throw new ResourceLimitException(
              FieldViolation.item(
                  "texts",
                  i,
                  chars
                      + " characters exceed the limit of "
                      + maxTextChars
                      + " characters per text"));
        }
      }
    }
  }
}
