package io.mmserve.rollout;

/**
 * How one model's requests are split between two versions, as the gateway's router applies it:
 * {@code canaryPercent} percent of the requests that name no version go to {@code canaryVersion},
 * the rest to {@code stableVersion}. With no canary running, {@code canaryVersion} equals {@code
 * stableVersion} and {@code canaryPercent} is 0.
 *
 * @param canaryPercent 0-100
 */
public record TrafficSplit(
    String model, String stableVersion, String canaryVersion, int canaryPercent) {
  /**
   * The split a ModelRollout asks for now: the status's weight while the canary it is about is the
   * spec's canary and it serves (Progressing or Paused), otherwise everything to the stable
   * version.
   */
  public static TrafficSplit of(ModelRollout rollout) {
    RolloutSpec spec = rollout.spec();
    RolloutStatus status = rollout.status();
    if (spec.hasCanary()
        && status.phase().canaryServes()
        && status.canaryVersion().equals(spec.canaryVersion())) {
      return new TrafficSplit(
          spec.model(),
          spec.stableVersion(),
          spec.canaryVersion().orElseThrow(),
          status.canaryWeight());
    }
    return allStable(spec.model(), spec.stableVersion());
  }

  /** Every request to {@code stableVersion}. */
  public static TrafficSplit allStable(String model, String stableVersion) {
    return new TrafficSplit(model, stableVersion, stableVersion, 0);
  }
}
