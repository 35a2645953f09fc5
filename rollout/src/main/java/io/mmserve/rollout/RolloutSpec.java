package io.mmserve.rollout;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a ModelRollout asks for (its {@code spec}): roll {@code canaryVersion} of {@code model}
 * forward over {@code steps} (canary percentages, ascending, each held {@code stepInterval}) while
 * the {@code analysis} passes. Without a canary version every request goes to {@code
 * stableVersion}. Immutable; validated by {@link RolloutJson}.
 *
 * @param steps canary percentages, 1-100, strictly ascending, at least one
 * @param paused hold the current step (analysis still runs and still rolls back)
 */
public record RolloutSpec(
    String model,
    String stableVersion,
    Optional<String> canaryVersion,
    List<Integer> steps,
    Duration stepInterval,
    AnalysisSpec analysis,
    boolean paused) {
  public RolloutSpec {
    steps = List.copyOf(steps);
  }

  /** Whether a canary different from the stable version is named. */
  public boolean hasCanary() {
    return canaryVersion.isPresent() && !canaryVersion.get().equals(stableVersion);
  }

  /** This spec with the canary made stable and no canary left (what promotion writes). */
  public RolloutSpec promoted() {
    return new RolloutSpec(
        model,
        canaryVersion.orElse(stableVersion),
        Optional.empty(),
        steps,
        stepInterval,
        analysis,
        paused);
  }
}
