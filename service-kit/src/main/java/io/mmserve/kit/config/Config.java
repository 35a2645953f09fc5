package io.mmserve.kit.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An immutable set of settings, read once at start-up by {@link ConfigLoader} and passed down by
 * constructor. Typed getters validate and throw {@link ConfigException} with a message that shows
 * the bad value and its source: {@code "grpc.port must be in 0..65535, but was 70000 (from env
 * MMSERVE_GRPC_PORT)"}.
 *
 * <p>A setting whose value is blank counts as unset: {@link #find} returns empty and the required
 * getters fail. {@link #toString} lists every setting with secrets masked.
 */
public final class Config {
  private static final Pattern SECRET_SEGMENT =
      Pattern.compile(".*(secret|token|password|credentials|apikey)$");
  private static final String MASK = "****";

  private final Map<String, Setting> settings;

  Config(Map<String, Setting> settings) {
    this.settings = Collections.unmodifiableMap(new TreeMap<>(settings));
  }

  /** A config holding exactly {@code values}, for tests and tools. */
  public static Config of(Map<String, String> values) {
    Map<String, Setting> settings = new TreeMap<>();
    values.forEach((k, v) -> settings.put(k, new Setting(v, "given")));
    return new Config(settings);
  }

  /** All setting names, sorted. */
  public Set<String> keys() {
    return settings.keySet();
  }

  /** The value of {@code key} if it is set and not blank. */
  public Optional<String> find(String key) {
    Setting s = settings.get(key);
    return s == null || s.value().isBlank() ? Optional.empty() : Optional.of(s.value().trim());
  }

  /** Where the value of {@code key} came from, or "unset". */
  public String sourceOf(String key) {
    Setting s = settings.get(key);
    return s == null ? "unset" : s.source();
  }

  /** The value of a required setting. */
  public String getString(String key) {
    return find(key).orElseThrow(() -> new ConfigException(key + " must be set, but was empty"));
  }

  public int getInt(String key, int min, int max) {
    return (int) getLong(key, min, max);
  }

  public long getLong(String key, long min, long max) {
    String raw = getString(key);
    long value;
    try {
      value = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw invalid(key, "must be an integer", raw);
    }
    return checkRange(key, value, min, max, raw);
  }

  public double getDouble(String key, double min, double max) {
    String raw = getString(key);
    double value;
    try {
      value = Double.parseDouble(raw);
    } catch (NumberFormatException e) {
      throw invalid(key, "must be a number", raw);
    }
    if (!(value >= min && value <= max)) {
      throw invalid(key, "must be in " + min + ".." + max, raw);
    }
    return value;
  }

  /** {@code true} or {@code false}, case-insensitive. */
  public boolean getBoolean(String key) {
    String raw = getString(key).toLowerCase(Locale.ROOT);
    if (raw.equals("true") || raw.equals("false")) {
      return Boolean.parseBoolean(raw);
    }
    throw invalid(key, "must be true or false", raw);
  }

  /**
   * A duration such as {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601 {@code PT5S}.
   */
  public Duration getDuration(String key, Duration min, Duration max) {
    String raw = getString(key);
    Duration value =
        Values.parseDuration(raw)
            .orElseThrow(() -> invalid(key, "must be a duration like 250ms, 5s or 2m", raw));
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw invalid(key, "must be in " + Values.format(min) + ".." + Values.format(max), raw);
    }
    return value;
  }

  /** A size in bytes such as {@code 1048576}, {@code 512KiB}, {@code 16MiB} or {@code 1GiB}. */
  public long getBytes(String key, long min, long max) {
    String raw = getString(key);
    long value =
        Values.parseBytes(raw)
            .orElseThrow(() -> invalid(key, "must be a size like 4194304, 512KiB or 16MiB", raw));
    return checkRange(key, value, min, max, raw);
  }

  public Path getPath(String key) {
    return Path.of(getString(key));
  }

  /** One of the constants of {@code type}, case-insensitive, {@code -} read as {@code _}. */
  public <E extends Enum<E>> E getEnum(String key, Class<E> type) {
    String raw = getString(key);
    String wanted = raw.toUpperCase(Locale.ROOT).replace('-', '_');
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(wanted)) {
        return constant;
      }
    }
    String allowed = Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT);
    throw invalid(key, "must be one of " + allowed, raw);
  }

  /** A comma-separated list; blank entries are dropped; unset gives an empty list. */
  public List<String> getList(String key) {
    return find(key).stream()
        .flatMap(v -> Arrays.stream(v.split(",")))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  /** True when a setting of this name holds a secret and must never be printed. */
  public static boolean isSecret(String key) {
    for (String segment : key.toLowerCase(Locale.ROOT).split("[._-]")) {
      if (SECRET_SEGMENT.matcher(segment).matches()) {
        return true;
      }
    }
    return false;
  }

  /** Every setting on its own line as {@code key=value (source)}, secrets masked. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    settings.forEach(
        (key, s) -> {
          String value = isSecret(key) && !s.value().isEmpty() ? MASK : s.value();
          out.append(key).append('=').append(value).append(" (").append(s.source()).append(")\n");
        });
    return out.toString();
  }

  private long checkRange(String key, long value, long min, long max, String raw) {
    if (value < min || value > max) {
      throw invalid(key, "must be in " + min + ".." + max, raw);
    }
    return value;
  }

  private ConfigException invalid(String key, String rule, String raw) {
    String shown = isSecret(key) ? MASK : raw;
    return new ConfigException(
        key + " " + rule + ", but was " + shown + " (from " + sourceOf(key) + ")");
  }
}
