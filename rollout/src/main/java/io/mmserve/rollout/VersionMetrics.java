package io.mmserve.rollout;

import java.util.OptionalDouble;

/**
 * What the gateway's metrics say about one model version over an analysis window.
 *
 * @param requests requests answered (any status) in the window
 * @param errors of those, the ones ending in a {@link ErrorCodes#SERVER_FAULTS server fault}
 * @param p99Seconds the 99th percentile latency of its successful requests; empty without any
 * @param newSeries its series (one per method and status) with a single sample in the window: they
 *     appeared at the last scrape, so their requests are not in {@code requests} or {@code errors}
 *     yet (an increase needs two samples). A canary's first errors arrive that way.
 */
public record VersionMetrics(
    double requests, double errors, OptionalDouble p99Seconds, int newSeries) {

  /** Metrics with no series new in the window. */
  public VersionMetrics(double requests, double errors, OptionalDouble p99Seconds) {
    this(requests, errors, p99Seconds, 0);
  }

  /** The share of requests that failed; empty without requests. */
  public OptionalDouble errorRatio() {
    return requests > 0 ? OptionalDouble.of(errors / requests) : OptionalDouble.empty();
  }
}
