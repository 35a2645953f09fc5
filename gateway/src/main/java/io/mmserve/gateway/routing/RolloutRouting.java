package io.mmserve.gateway.routing;

import io.mmserve.rollout.TrafficSplit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the ModelRollout watcher's traffic splits to a {@link VersionRouter}: a split with a
 * canary becomes that weight, a split without one (its canary is its stable version: no rollout,
 * promoted, rolled back, or the resource deleted) sends every request to the stable version.
 *
 * <p>Runs on the watcher's thread, one split at a time. A split the router refuses (a version with
 * '@', a percent out of range) is logged and dropped, and the previous split stays: one bad
 * resource never stops the watcher.
 */
public final class RolloutRouting implements Consumer<TrafficSplit> {
  private static final Logger log = LoggerFactory.getLogger(RolloutRouting.class);

  private final VersionRouter router;

  public RolloutRouting(VersionRouter router) {
    this.router = router;
  }

  @Override
  public void accept(TrafficSplit split) {
    boolean canary =
        split.canaryPercent() > 0 && !split.canaryVersion().equals(split.stableVersion());
    try {
      router.apply(
          split.model(),
          split.stableVersion(),
          canary ? split.canaryVersion() : "",
          canary ? split.canaryPercent() : 0);
    } catch (IllegalArgumentException e) {
      log.warn(
          "ModelRollout split of model {} not applied, routing unchanged: {}",
          split.model(),
          e.getMessage());
    }
  }
}
