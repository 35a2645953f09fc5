package io.mmserve.kit.errors;

import java.io.Serializable;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which field of a request broke which rule: the structured form of a message such as {@code
 * "images[3]: corrupt image data"} ({@link #message()}). {@link StatusMapper} sends it to the
 * client as a {@code google.rpc.BadRequest.FieldViolation} whose {@code field} is {@link #path()}
 * ({@code "images[3]"}, {@code "pairs[2].image"}) and whose {@code description} is {@link #rule()};
 * see {@link BadRequestDetails}.
 *
 * @param field the request field, a proto field name: {@code images}, {@code texts}, {@code
 *     include_features}
 * @param index the item's index in a repeated field, or {@link #NO_INDEX}
 * @param subfield a field inside the item, dotted ({@code encoded}, {@code raw.format}), or empty
 * @param rule the rule that was broken, safe to show a client
 */
public record FieldViolation(String field, int index, String subfield, String rule)
    implements Serializable {
  /** The index of a violation that is about a whole field, not one item of it. */
  public static final int NO_INDEX = -1;

  private static final Pattern PATH =
      Pattern.compile("([A-Za-z_]\\w*)(?:\\[(\\d{1,9})\\])?(?:\\.([A-Za-z_][\\w.\\[\\]]*))?");

  /**
   * @throws IllegalArgumentException if {@code field} is not a field name, {@code index} is below
   *     {@link #NO_INDEX}, or {@code rule} is blank
   */
  public FieldViolation {
    if (field == null || !field.matches("[A-Za-z_]\\w*")) {
      throw new IllegalArgumentException("field must be a proto field name, but was " + field);
    }
    if (index < NO_INDEX) {
      throw new IllegalArgumentException("index must be >= 0 or NO_INDEX, but was " + index);
    }
    subfield = subfield == null ? "" : subfield;
    if (rule == null || rule.isBlank()) {
      throw new IllegalArgumentException("rule must not be blank");
    }
  }

  /**
   * A violation of the field at {@code path}: a whole field ({@code of("texts", "must contain at
   * least one text")}) or a field path ({@code of("pairs[2].image", "no image given")}).
   *
   * @throws IllegalArgumentException if {@code path} is no field path or {@code rule} is blank
   */
  public static FieldViolation of(String path, String rule) {
    if (rule == null || rule.isBlank()) {
      throw new IllegalArgumentException("rule must not be blank");
    }
    return parse(path, rule)
        .orElseThrow(() -> new IllegalArgumentException("not a field path: " + path));
  }

  /** A violation of one item of a repeated field: {@code item("images", 3, "corrupt ...")}. */
  public static FieldViolation item(String field, int index, String rule) {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, but was " + index);
    }
    return new FieldViolation(field, index, "", rule);
  }

  /**
   * Reads a {@link #path()} back: {@code parse("images[3].encoded", rule)}; empty when {@code path}
   * is not of that form.
   */
  public static Optional<FieldViolation> parse(String path, String rule) {
    Matcher m = PATH.matcher(path == null ? "" : path);
    if (!m.matches() || rule == null || rule.isBlank()) {
      return Optional.empty();
    }
    int index = m.group(2) == null ? NO_INDEX : Integer.parseInt(m.group(2));
    return Optional.of(new FieldViolation(m.group(1), index, m.group(3), rule));
  }

  /** The same violation, narrowed to a field inside the item: {@code images[3]} to {@code .raw}. */
  public FieldViolation at(String subfield) {
    return new FieldViolation(field, index, subfield, rule);
  }

  /** The same violation of the item at {@code index}: a batch's index mapped to a request's. */
  public FieldViolation withIndex(int index) {
    return new FieldViolation(field, index, subfield, rule);
  }

  /** Whether this names one item of a repeated field. */
  public boolean isItem() {
    return index != NO_INDEX;
  }

  /** The field or item: {@code images[3]}, {@code include_features}. */
  public String item() {
    return isItem() ? field + "[" + index + "]" : field;
  }

  /** The field path, as in {@code google.rpc.BadRequest}: {@code pairs[2].image}. */
  public String path() {
    return subfield.isEmpty() ? item() : item() + "." + subfield;
  }

  /** The client-safe message of an exception about this violation: {@code "images[3]: rule"}. */
  public String message() {
    return path() + ": " + rule;
  }
}
