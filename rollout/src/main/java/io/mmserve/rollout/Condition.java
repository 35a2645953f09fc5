package io.mmserve.rollout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One of a ModelRollout's {@code status.conditions}, in Kubernetes' shape.
 *
 * @param type {@link #PROGRESSING}, {@link #PROMOTED} or {@link #ROLLED_BACK}
 * @param status "True" or "False"
 * @param reason a CamelCase word such as {@code ErrorRatioTooHigh}
 * @param message for people: what happened, with the numbers
 */
public record Condition(
    String type, String status, String reason, String message, Instant lastTransitionTime) {
  public static final String PROGRESSING = "Progressing";
  public static final String PROMOTED = "Promoted";
  public static final String ROLLED_BACK = "RolledBack";

  static Condition of(String type, boolean value, String reason, String message, Instant now) {
    return new Condition(type, value ? "True" : "False", reason, message, now);
  }

  boolean isTrue() {
    return "True".equals(status);
  }

  /**
   * {@code conditions} with {@code condition} replacing the one of its type (or added); the old
   * transition time is kept when the status did not change.
   */
  static List<Condition> set(List<Condition> conditions, Condition condition) {
    List<Condition> next = new ArrayList<>();
    boolean replaced = false;
    for (Condition c : conditions) {
      if (c.type().equals(condition.type())) {
        next.add(
            c.status().equals(condition.status())
                ? new Condition(
                    c.type(),
                    c.status(),
                    condition.reason(),
                    condition.message(),
                    c.lastTransitionTime())
                : condition);
        replaced = true;
      } else {
        next.add(c);
      }
    }
    if (!replaced) {
      next.add(condition);
    }
    return List.copyOf(next);
  }
}
