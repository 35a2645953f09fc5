package io.mmserve.gallery.index;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which items a search may hit: every condition must hold (AND). Parsed from text by {@link
 * FilterParser}; each backend translates it into its own query.
 *
 * @param conditions none means every item
 */
public record MetadataFilter(List<Condition> conditions) {
  /** Lets every item through. */
  public static final MetadataFilter NONE = new MetadataFilter(List.of());

  public MetadataFilter {
    conditions = List.copyOf(conditions);
  }

  /** Whether the filter lets every item through. */
  public boolean isEmpty() {
    return conditions.isEmpty();
  }

  /** Whether an item with {@code metadata} passes. */
  public boolean matches(Map<String, String> metadata) {
    for (Condition c : conditions) {
      String value = metadata.get(c.key());
      if (value == null || !c.values().contains(value)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The item's metadata value under {@code key} is one of {@code values}: equality is a set of one.
   *
   * @param key a metadata key
   * @param values at least one value
   */
  public record Condition(String key, Set<String> values) {
    public Condition {
      values = Set.copyOf(values);
      if (values.isEmpty()) {
        throw new IllegalArgumentException("a condition needs at least one value");
      }
    }
  }
}
