package io.mmserve.gallery.index;

import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the text form of a {@link MetadataFilter}: conditions joined by {@code AND}, each {@code
 * key = "value"} or {@code key IN ("a", "b")}. Keywords are case-insensitive; keys are {@code
 * [A-Za-z_][A-Za-z0-9_.-]*}; values are double-quoted (with {@code \"} and {@code \\} escapes) or
 * bare words of letters, digits and {@code _ . : / -}.
 *
 * <p>A syntax error is an {@link InvalidInputException} about the request field {@value #FIELD}
 * whose rule names the metadata key (when one was read) and the offset. Not thread-safe: one parser
 * per text.
 */
public final class FilterParser {
  /** The request field the text comes from, in error messages. */
  public static final String FIELD = "filter";

  private final String text;
  private int pos;
  private String key; // the key of the condition being read, for messages

  private FilterParser(String text) {
    this.text = text;
  }

  /**
   * Parses {@code text}; blank text is {@link MetadataFilter#NONE}.
   *
   * @throws InvalidInputException on a syntax error, naming the field and the metadata key
   */
  public static MetadataFilter parse(String text) {
    if (text == null || text.isBlank()) {
      return MetadataFilter.NONE;
    }
    return new FilterParser(text).filter();
  }

  private MetadataFilter filter() {
    List<MetadataFilter.Condition> conditions = new ArrayList<>();
    do {
      conditions.add(condition());
      skipSpaces();
    } while (pos < text.length() && keyword("AND"));
    if (pos < text.length()) {
      throw error("expected AND or the end of the filter");
    }
    return new MetadataFilter(conditions);
  }

  private MetadataFilter.Condition condition() {
    key = null;
    skipSpaces();
    int start = pos;
    while (pos < text.length() && isKeyChar(text.charAt(pos), pos == start)) {
      pos++;
    }
    if (pos == start) {
      throw error("expected a metadata key");
    }
    key = text.substring(start, pos);
    skipSpaces();
    Set<String> values = new LinkedHashSet<>();
    if (pos < text.length() && text.charAt(pos) == '=') {
      pos++;
      values.add(value());
    } else if (keyword("IN")) {
      expect('(');
      values.add(value());
      skipSpaces();
      while (pos < text.length() && text.charAt(pos) == ',') {
        pos++;
        values.add(value());
        skipSpaces();
      }
      expect(')');
    } else {
      throw error("expected = or IN");
    }
    return new MetadataFilter.Condition(key, values);
  }

  private String value() {
    skipSpaces();
    if (pos < text.length() && text.charAt(pos) == '"') {
      return quoted();
    }
    int start = pos;
    while (pos < text.length() && isBareChar(text.charAt(pos))) {
      pos++;
    }
    if (pos == start) {
      throw error("expected a value");
    }
    return text.substring(start, pos);
  }

  private String quoted() {
    int open = pos++;
    StringBuilder value = new StringBuilder();
    while (pos < text.length()) {
      char c = text.charAt(pos++);
      if (c == '"') {
        return value.toString();
      }
      if (c == '\\' && pos < text.length()) {
        c = text.charAt(pos++);
      }
      value.append(c);
    }
    pos = open;
    throw error("unterminated quoted value");
  }

  private boolean keyword(String word) {
    skipSpaces();
    int end = pos + word.length();
    if (end <= text.length()
        && text.regionMatches(true, pos, word, 0, word.length())
        && (end == text.length() || !isKeyChar(text.charAt(end), false))) {
      pos = end;
      return true;
    }
    return false;
  }

  private void expect(char c) {
    skipSpaces();
    if (pos >= text.length() || text.charAt(pos) != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private void skipSpaces() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private static boolean isKeyChar(char c, boolean first) {
    boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    return first ? letter : letter || (c >= '0' && c <= '9') || c == '.' || c == '-';
  }

  private static boolean isBareChar(char c) {
    return isKeyChar(c, false) || c == ':' || c == '/';
  }

  private InvalidInputException error(String expected) {
    String where = pos >= text.length() ? "at the end" : "at offset " + pos;
    String rule =
        key == null
            ? expected + " " + where
            : "metadata key '" + key + "': " + expected + " " + where;
    return new InvalidInputException(FieldViolation.of(FIELD, rule));
  }
}
