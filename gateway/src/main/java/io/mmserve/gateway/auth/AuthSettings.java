package io.mmserve.gateway.auth;

import io.mmserve.kit.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's API key settings.
 *
 * @param keysFile the keys file ({@link ApiKeysFile}); empty: no keys, every call is let through
 * @param reloadInterval how often the file is checked for changes
 * @param reflectionOpen whether server reflection answers without a key
 */
public record AuthSettings(
    Optional<Path> keysFile, Duration reloadInterval, boolean reflectionOpen) {
  public static final String KEYS_FILE = "auth.api-keys-file";
  public static final String RELOAD_INTERVAL = "auth.reload-interval";
  public static final String CLOSE_REFLECTION = "auth.close-reflection";

  /** These settings with their defaults: no keys file, a 5 s reload check, reflection open. */
  public static Map<String, String> defaults() {
    return Map.of(KEYS_FILE, "", RELOAD_INTERVAL, "5s", CLOSE_REFLECTION, "false");
  }

  public static AuthSettings from(Config config) {
    return new AuthSettings(
        config.find(KEYS_FILE).map(Path::of),
        config.getDuration(RELOAD_INTERVAL, Duration.ofMillis(100), Duration.ofHours(1)),
        !config.getBoolean(CLOSE_REFLECTION));
  }
}
