package io.mmserve.gateway.auth;

import io.mmserve.kit.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's API key settings.
 *
 * @param keysFile the keys file ({@link ApiKeysFile}); empty: no keys, every call is let through
 * @param reloadInterval how often the file is checked for changes
 * @param reflectionOpen whether server reflection answers without a key
 * @param limits the limits of a key whose line in the keys file sets none of its own
 * @param concurrencyRetry the retry pushback of a call refused for its key's concurrency
 */
public record AuthSettings(
    Optional<Path> keysFile,
    Duration reloadInterval,
    boolean reflectionOpen,
    KeyLimits limits,
    Duration concurrencyRetry) {
  public static final String KEYS_FILE = "auth.api-keys-file";
  public static final String RELOAD_INTERVAL = "auth.reload-interval";
  public static final String CLOSE_REFLECTION = "auth.close-reflection";
  public static final String CONCURRENCY_RETRY = "auth.limits.concurrency-retry-after";

  /**
   * These settings with their defaults: no keys file, a 5 s reload check, reflection open, no
   * limits (each {@code auth.limits.*} 0), a 100 ms pushback for concurrency.
   */
  public static Map<String, String> defaults() {
    Map<String, String> defaults = new HashMap<>();
    defaults.put(KEYS_FILE, "");
    defaults.put(RELOAD_INTERVAL, "5s");
    defaults.put(CLOSE_REFLECTION, "false");
    for (LimitSetting setting : LimitSetting.values()) {
      defaults.put(setting.configKey(), "0");
    }
    defaults.put(CONCURRENCY_RETRY, "100ms");
    return Map.copyOf(defaults);
  }

  public static AuthSettings from(Config config) {
    Map<LimitSetting, Integer> limits = new EnumMap<>(LimitSetting.class);
    for (LimitSetting setting : LimitSetting.values()) {
      limits.put(setting, config.getInt(setting.configKey(), 0, LimitSetting.MAX));
    }
    return new AuthSettings(
        config.find(KEYS_FILE).map(Path::of),
        config.getDuration(RELOAD_INTERVAL, Duration.ofMillis(100), Duration.ofHours(1)),
        !config.getBoolean(CLOSE_REFLECTION),
        KeyLimits.of(limits),
        config.getDuration(CONCURRENCY_RETRY, Duration.ofMillis(1), Duration.ofMinutes(1)));
  }
}
