package io.mmserve.rollout;

import java.time.Duration;
import java.util.OptionalDouble;

/**
 * The checks a canary must pass before each step (a ModelRollout's {@code spec.analysis}).
 *
 * @param maxErrorRatio the highest share of the canary's requests that may end in a server fault
 *     ({@link ErrorCodes#SERVER_FAULTS}), greater than 0
 * @param maxLatencyRatio the highest canary p99 / stable p99 latency, greater than 0
 * @param minProbeAccuracy the lowest accuracy on the pack's probe set, in (0, 1]; empty: not
 *     checked
 * @param window how far back the metrics are read (a PromQL range)
 * @param minRequests the fewest canary requests in the window for an analysis to count; fewer is
 *     "not enough traffic", which holds the rollout and never passes
 */
public record AnalysisSpec(
    double maxErrorRatio,
    double maxLatencyRatio,
    OptionalDouble minProbeAccuracy,
    Duration window,
    long minRequests) {
  /** Used when {@code spec.analysis.window} is not set. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

  /** Used when {@code spec.analysis.minRequests} is not set. */
  public static final long DEFAULT_MIN_REQUESTS = 20;
}
