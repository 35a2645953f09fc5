package io.mmserve.rollout;

import java.time.Instant;
import java.util.OptionalDouble;

/**
 * One analysis of a canary against its stable version ({@code status.lastAnalysis}): the numbers
 * read and what they meant.
 *
 * @param verdict pass, fail (a check failed) or inconclusive (not enough traffic, no metrics)
 * @param message what decided the verdict, with the numbers; for a failure it names the metric, its
 *     value and the limit
 * @param failedMetric for a failure: {@code errorRatio}, {@code latencyRatio} or {@code
 *     probeAccuracy}; empty otherwise
 * @param stableP99Seconds empty when the stable version had too little traffic (at 100 percent the
 *     last known value is kept as the baseline)
 * @param probeAccuracy the canary's accuracy on its pack's probe set, when it was measured
 * @param minProbeAccuracy the lowest accuracy the rollout accepts, when it checks probes
 */
public record AnalysisResult(
    Instant time,
    Verdict verdict,
    String message,
    String failedMetric,
    double canaryRequests,
    double stableRequests,
    OptionalDouble canaryErrorRatio,
    OptionalDouble canaryP99Seconds,
    OptionalDouble stableP99Seconds,
    OptionalDouble latencyRatio,
    OptionalDouble probeAccuracy,
    OptionalDouble minProbeAccuracy) {

  /** What an analysis concluded. */
  public enum Verdict {
    Pass,
    Fail,
    Inconclusive
  }

  public boolean passed() {
    return verdict == Verdict.Pass;
  }

  public boolean failed() {
    return verdict == Verdict.Fail;
  }
}
