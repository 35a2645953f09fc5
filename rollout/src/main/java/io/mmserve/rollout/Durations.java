package io.mmserve.rollout;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Kubernetes writes them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h30m}. */
final class Durations {
  /** The pattern the CRD's schema checks too. */
  static final String PATTERN = "^([0-9]+(ms|s|m|h))+$";

  private static final Pattern WHOLE = Pattern.compile(PATTERN);
  private static final Pattern PART = Pattern.compile("([0-9]+)(ms|s|m|h)");

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException saying what is expected when it is not such a duration
   */
  static Duration parse(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "must be a duration such as 30s, 5m or 1h30m, but was " + text);
    }
    Duration total = Duration.ZERO;
    Matcher part = PART.matcher(text);
    while (part.find()) {
      long amount = Long.parseLong(part.group(1));
      total =
          total.plus(
              switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
              });
    }
    return total;
  }

  /** {@code duration} as {@link #parse} reads it back: {@code 90s} → {@code 1m30s}. */
  static String format(Duration duration) {
    StringBuilder text = new StringBuilder();
    if (duration.toHours() > 0) {
      text.append(duration.toHours()).append('h');
    }
    if (duration.toMinutesPart() > 0) {
      text.append(duration.toMinutesPart()).append('m');
    }
    if (duration.toSecondsPart() > 0) {
      text.append(duration.toSecondsPart()).append('s');
    }
    if (duration.toMillisPart() > 0 || text.isEmpty()) {
      text.append(duration.toMillisPart()).append("ms");
    }
    return text.toString();
  }
}
