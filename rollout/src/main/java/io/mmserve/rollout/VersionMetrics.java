package io.mmserve.rollout;

import java.util.OptionalDouble;

/**
 * What the gateway's metrics say about one model version over an analysis window.
 *
 * @param requests requests answered (any status) in the window
 * @param errors of those, the ones ending in a {@link ErrorCodes#SERVER_FAULTS server fault}
 * @param p99Seconds the 99th percentile latency of its successful requests; empty without any
 */
public record VersionMetrics(double requests, double errors, OptionalDouble p99Seconds) {
  /** The share of requests that failed; empty without requests. */
  public OptionalDouble errorRatio() {
    return requests > 0 ? OptionalDouble.of(errors / requests) : OptionalDouble.empty();
  }
}
