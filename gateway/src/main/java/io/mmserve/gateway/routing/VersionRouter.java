package io.mmserve.gateway.routing;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the model version of each public request: a request that names a model without a version
 * (or no model, which counts as the {@linkplain #VersionRouter default model}) gets the stable or
 * the canary version of that model's {@link VersionSplit}; a request naming {@code name@version}
 * keeps it; a model without a split passes unchanged. With a routing key the choice is sticky
 * ({@link RouteKeys#bucket}); without one it is drawn from the random source.
 *
 * <p>Thread-safe: {@link #apply} may be called from any thread (the rollout watcher's, the config's
 * at start) and takes effect for the next request routed.
 */
public final class VersionRouter {
  private static final Logger log = LoggerFactory.getLogger(VersionRouter.class);

  private final String defaultModel;
  private final IntUnaryOperator random;
  private final Map<String, VersionSplit> splits = new ConcurrentHashMap<>();

  /**
   * @param defaultModel the model a request that names none is routed as ("" when such requests are
   *     never routed: the encoders then pick their default pack)
   * @param random given n, a uniformly drawn int in 0..n-1 (thread-safe; {@code
   *     ThreadLocalRandom.current()::nextInt} in production, a fixed sequence in tests)
   */
  public VersionRouter(String defaultModel, IntUnaryOperator random) {
    this.defaultModel = Objects.requireNonNull(defaultModel, "defaultModel");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * Sets how requests for {@code model} are split, replacing the previous split of that model. The
   * next request routed sees it.
   *
   * @param model the model name, without a version
   * @param stableVersion the version most requests get
   * @param canaryVersion the version on trial; empty for none (every request gets stable)
   * @param canaryPercent 0..100, the share of requests (and of routing keys) that get the canary
   * @throws IllegalArgumentException naming the bad argument; the previous split stays
   */
  public void apply(String model, String stableVersion, String canaryVersion, int canaryPercent) {
    VersionSplit split = new VersionSplit(model, stableVersion, canaryVersion, canaryPercent);
    VersionSplit before = splits.put(model, split);
    if (!split.equals(before)) {
      log.info(
          "routing model {}: stable {}, canary {} at {}%",
          model, stableVersion, canaryVersion.isEmpty() ? "(none)" : canaryVersion, canaryPercent);
    }
  }

  /** Stops routing {@code model}: its requests pass unchanged again. */
  public void remove(String model) {
    if (splits.remove(model) != null) {
      log.info("routing model {}: off", model);
    }
  }

  /** The split of {@code model}, if it has one. */
  public Optional<VersionSplit> split(String model) {
    return Optional.ofNullable(splits.get(model));
  }

  /**
   * The circuit-breaker scope of a backend call naming {@code model} (see {@code
   * resilience.BreakerScopes}): {@code model} itself when it is {@code name@version} of the stable
   * or the canary version of that model's split, else "" (the shared scope). Bounded by the splits:
   * a version no split names, whoever asks for it, shares the one breaker.
   */
  public String breakerScope(String model) {
    int at = model.indexOf('@');
    if (at <= 0 || at == model.length() - 1) {
      return "";
    }
    VersionSplit split = splits.get(model.substring(0, at));
    if (split == null) {
      return "";
    }
    String version = model.substring(at + 1);
    return version.equals(split.stableVersion()) || version.equals(split.canaryVersion())
        ? model
        : "";
  }

  /**
   * The model version a request gets.
   *
   * @param requested the request's {@code model} field: "", "name" or "name@version"
   * @param routeKey the caller's routing key, or empty to draw at random
   * @return the pinned {@code name@version} chosen, or empty when the request is not routed (it
   *     names a version itself, or its model has no split)
   */
  public Optional<RoutedVersion> route(String requested, Optional<String> routeKey) {
    if (requested.contains("@")) {
      return Optional.empty();
    }
    String model = requested.isEmpty() ? defaultModel : requested;
    VersionSplit split = model.isEmpty() ? null : splits.get(model);
    if (split == null) {
      return Optional.empty();
    }
    boolean split0or100 = split.canaryPercent() == 0 || split.canaryPercent() == 100;
    int bucket =
        split0or100 // every bucket gets the same version: no draw
            ? 0
            : routeKey.map(RouteKeys::bucket).orElseGet(() -> random.applyAsInt(100));
    String version = split.versionFor(bucket);
    return Optional.of(new RoutedVersion(model, version, version.equals(split.canaryVersion())));
  }

  /**
   * A routing decision.
   *
   * @param model the model name
   * @param version the version chosen
   * @param canary whether it is the split's canary
   */
  public record RoutedVersion(String model, String version, boolean canary) {
    /** {@code name@version}, as the encoders and fusion-svc resolve exactly this version. */
    public String pinned() {
      return model + "@" + version;
    }
  }
}
