package io.mmserve.text.tokenizer;

import java.util.Arrays;
import java.util.Locale;

/**
 * Cleans a text before tokenization, as the pack's reference tokenizer does. A pack names its
 * cleaning in model.json ({@code text.cleaning}); without one, texts are tokenized as given.
 */
public enum TextCleaner {
  /** Texts are tokenized as given. */
  NONE,

  /**
   * open_clip's cleaning ({@code whitespace_clean(basic_clean(text))} without ftfy): HTML entities
   * unescaped twice as Python's {@code html.unescape} does, then runs of whitespace (Python's
   * {@code str.isspace}) collapsed to one space, and the ends stripped.
   */
  CLIP;

  /**
   * The cleaner a manifest names, case-insensitive.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static TextCleaner named(String name) {
    for (TextCleaner cleaner : values()) {
      if (cleaner.name().equalsIgnoreCase(name)) {
        return cleaner;
      }
    }
    throw new IllegalArgumentException(
        "must be one of "
            + Arrays.toString(values()).toLowerCase(Locale.ROOT)
            + ", but was \""
            + name
            + "\"");
  }

  /** The cleaned text. */
  public String clean(String text) {
    return switch (this) {
      case NONE -> text;
      case CLIP -> collapseWhitespace(HtmlUnescaper.unescape(HtmlUnescaper.unescape(text)));
    };
  }

  /** Python's {@code " ".join(text.split())}: words separated by one space, ends stripped. */
  static String collapseWhitespace(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean pendingSpace = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isPythonSpace(c)) {
        pendingSpace = out.length() > 0;
      } else {
        if (pendingSpace) {
          out.append(' ');
          pendingSpace = false;
        }
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Python's {@code str.isspace} for one character. Every such character is in the BMP. Java's
   * {@link Character#isWhitespace} differs (it excludes U+0085 and the no-break spaces), so the set
   * is spelled out.
   */
  static boolean isPythonSpace(char c) {
    return switch (c) {
      case '\t', '\n', '\u000B', '\f', '\r', '\u001C', '\u001D', '\u001E', '\u001F', ' ' -> true;
      case '\u0085', '\u00A0', '\u1680', '\u2028', '\u2029', '\u202F', '\u205F', '\u3000' -> true;
      default -> c >= '\u2000' && c <= '\u200A';
    };
  }
}
