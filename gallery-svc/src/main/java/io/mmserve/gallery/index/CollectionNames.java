package io.mmserve.gallery.index;

import java.util.regex.Pattern;

/**
 * Valid collection names: 1-64 of {@code a-z 0-9 _ - .}, starting with a letter or digit. Every
 * backend can use such a name as it is: as a folder name (no separators, no "." or "..") and as an
 * Elasticsearch index name (lower case).
 */
public final class CollectionNames {
  /** The longest name. */
  public static final int MAX_LENGTH = 64;

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");

  private CollectionNames() {}

  /** Whether {@code name} is a valid collection name. */
  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * @throws IllegalArgumentException naming the rule if {@code name} is not valid
   */
  public static void check(String name) {
    if (!isValid(name)) {
      throw new IllegalArgumentException(rule(name));
    }
  }

  /** The rule a bad name breaks, for messages. */
  public static String rule(String name) {
    return "collection name '"
        + name
        + "' must be 1-"
        + MAX_LENGTH
        + " of a-z, 0-9, '_', '-', '.', starting with a letter or digit";
  }
}
