package io.mmserve.gateway.routing;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * The version split the gateway starts with ({@code canary.*}); a rollout controller may change it
 * later through {@link VersionRouter#apply}.
 *
 * @param model the model requests that name none are routed as, and whose versions the settings
 *     split; empty routes nothing at start
 * @param stableVersion the stable version; empty for no split at start
 * @param canaryVersion the canary version; empty for none
 * @param weight the canary's share of requests in percent, 0..100
 */
public record CanarySettings(String model, String stableVersion, String canaryVersion, int weight) {
  public static final String MODEL = "canary.model";
  public static final String STABLE_VERSION = "canary.stable-version";
  public static final String VERSION = "canary.version";
  public static final String WEIGHT = "canary.weight";

  /** Off: no model routed, no split. */
  public static Map<String, String> defaults() {
    return Map.of(MODEL, "", STABLE_VERSION, "", VERSION, "", WEIGHT, "0");
  }

  /**
   * Reads and checks the settings.
   *
   * @throws ConfigException naming the key and the bad value
   */
  public static CanarySettings from(Config config) {
    CanarySettings settings =
        new CanarySettings(
            config.find(MODEL).orElse(""),
            config.find(STABLE_VERSION).orElse(""),
            config.find(VERSION).orElse(""),
            config.getInt(WEIGHT, 0, 100));
    if (settings.model.isEmpty() && !settings.stableVersion.isEmpty()) {
      throw new ConfigException(
          STABLE_VERSION + " is '" + settings.stableVersion + "', but " + MODEL + " is not set");
    }
    if (settings.stableVersion.isEmpty() && !settings.canaryVersion.isEmpty()) {
      throw new ConfigException(
          VERSION + " is '" + settings.canaryVersion + "', but " + STABLE_VERSION + " is not set");
    }
    if (settings.canaryVersion.isEmpty() && settings.weight > 0) {
      throw new ConfigException(
          WEIGHT + " is " + settings.weight + ", but " + VERSION + " (the canary) is not set");
    }
    if (!settings.stableVersion.isEmpty()) {
      try {
        settings.split();
      } catch (IllegalArgumentException e) {
        throw new ConfigException("canary.*: " + e.getMessage());
      }
    }
    return settings;
  }

  /**
   * A router that starts with these settings' split.
   *
   * @param random the router's random source (see {@link VersionRouter#VersionRouter})
   */
  public VersionRouter router(IntUnaryOperator random) {
    VersionRouter router = new VersionRouter(model, random);
    if (!stableVersion.isEmpty()) {
      VersionSplit split = split();
      router.apply(
          split.model(), split.stableVersion(), split.canaryVersion(), split.canaryPercent());
    }
    return router;
  }

  private VersionSplit split() {
    return new VersionSplit(model, stableVersion, canaryVersion, weight);
  }
}
