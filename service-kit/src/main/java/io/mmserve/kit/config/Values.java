package io.mmserve.kit.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the value formats of {@link Config}: durations and byte sizes. */
final class Values {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ns|us|ms|s|m|h|d)");
  private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*(b|kib|mib|gib|kb|mb|gb)?");

  private Values() {}

  static Optional<Duration> parseDuration(String raw) {
    String text = raw.trim().toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(text);
    if (m.matches()) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
      return Optional.of(
          switch (m.group(2)) {
            case "ns" -> Duration.ofNanos(n);
            case "us" -> Duration.ofNanos(n * 1_000);
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          });
    }
    try {
      return Optional.of(Duration.parse(raw.trim()));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  static Optional<Long> parseBytes(String raw) {
    Matcher m = BYTES.matcher(raw.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return Optional.empty();
    }
    long unit =
        m.group(2) == null
            ? 1
            : switch (m.group(2)) {
              case "kib" -> 1L << 10;
              case "mib" -> 1L << 20;
              case "gib" -> 1L << 30;
              case "kb" -> 1_000L;
              case "mb" -> 1_000_000L;
              case "gb" -> 1_000_000_000L;
              default -> 1;
            };
    try {
      return Optional.of(Math.multiplyExact(Long.parseLong(m.group(1)), unit));
    } catch (ArithmeticException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  static String format(Duration d) {
    if (d.getNano() == 0) {
      return d.getSeconds() + "s";
    }
    if (d.getNano() % 1_000_000 == 0) {
      return d.toMillis() + "ms";
    }
    return d.toNanos() + "ns";
  }
}
