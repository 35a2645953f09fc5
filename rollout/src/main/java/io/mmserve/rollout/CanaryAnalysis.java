package io.mmserve.rollout;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Compares a canary with its stable version over the analysis window and says pass, fail or
 * inconclusive. Checks, in order: enough canary traffic ({@code minRequests}), error ratio, no
 * canary series new at the last scrape, p99 latency ratio, probe accuracy (the last, since it sends
 * calls: only a canary that passed the metric checks is probed). Missing data is never a pass: too
 * little traffic, a series whose requests are not counted yet (a canary's first errors), no p99, no
 * metrics at all or no probe accuracy make the analysis inconclusive, which holds the rollout.
 *
 * <p>At 100 percent the stable version gets no traffic, so its p99 comes from the last analysis
 * that had it ({@code baseline}). Stateless; called on the controller's thread.
 */
public final class CanaryAnalysis {
  private final MetricSource metrics;
  private final ProbeRunner probes;

  public CanaryAnalysis(MetricSource metrics, ProbeRunner probes) {
    this.metrics = metrics;
    this.probes = probes;
  }

  /**
   * Analyses {@code canary} against {@code spec.stableVersion} now.
   *
   * @param baseline the previous analysis of this canary, whose stable p99 stands in when the
   *     stable version has too little traffic
   */
  public AnalysisResult analyse(
      RolloutSpec spec, String canary, Optional<AnalysisResult> baseline, Instant now) {
    AnalysisSpec limits = spec.analysis();
    VersionMetrics canaryMetrics;
    VersionMetrics stableMetrics;
    try {
      canaryMetrics = metrics.read(spec.model(), canary, limits.window());
      stableMetrics = metrics.read(spec.model(), spec.stableVersion(), limits.window());
    } catch (MetricsUnavailableException e) {
      return new Outcome(now).inconclusive("no metrics: " + e.getMessage());
    }
    Outcome outcome = new Outcome(now);
    outcome.canaryRequests = canaryMetrics.requests();
    outcome.stableRequests = stableMetrics.requests();
    outcome.errorRatio = canaryMetrics.errorRatio();
    outcome.canaryP99 = canaryMetrics.p99Seconds();
    outcome.stableP99 =
        stableMetrics.requests() >= limits.minRequests() && stableMetrics.p99Seconds().isPresent()
            ? stableMetrics.p99Seconds()
            : baseline.map(AnalysisResult::stableP99Seconds).orElse(OptionalDouble.empty());

    if (canaryMetrics.requests() < limits.minRequests()) {
      return outcome.inconclusive(
          String.format(
              Locale.ROOT,
              "not enough traffic: %.0f canary requests in %s, at least %d needed",
              canaryMetrics.requests(),
              limits.window(),
              limits.minRequests()));
    }
    double errorRatio = outcome.errorRatio.orElseThrow();
    if (errorRatio > limits.maxErrorRatio()) {
      return outcome.fail("errorRatio", errorRatio, limits.maxErrorRatio());
    }
    if (canaryMetrics.newSeries() > 0) {
      return outcome.inconclusive(
          String.format(
              Locale.ROOT,
              "%d of the canary's series (method and status) appeared at the last scrape; their"
                  + " requests are counted from the next analysis",
              canaryMetrics.newSeries()));
    }
    if (outcome.canaryP99.isEmpty() || outcome.stableP99.isEmpty()) {
      return outcome.inconclusive(
          outcome.canaryP99.isEmpty()
              ? "no p99 latency of the canary (no successful requests)"
              : "no p99 latency of the stable version to compare with");
    }
    double latencyRatio = outcome.canaryP99.getAsDouble() / outcome.stableP99.getAsDouble();
    outcome.latencyRatio = OptionalDouble.of(latencyRatio);
    if (latencyRatio > limits.maxLatencyRatio()) {
      return outcome.fail("latencyRatio", latencyRatio, limits.maxLatencyRatio());
    }
    String probeNote = "";
    if (limits.minProbeAccuracy().isPresent()) {
      double min = limits.minProbeAccuracy().getAsDouble();
      outcome.minProbeAccuracy = limits.minProbeAccuracy();
      ProbeAccuracy probe = probes.accuracy(spec.model(), canary);
      outcome.probeAccuracy = probe.accuracy();
      if (probe.accuracy().isEmpty()) {
        return outcome.inconclusive("no probe accuracy of the canary: " + probe.detail());
      }
      double accuracy = probe.accuracy().getAsDouble();
      if (accuracy < min) {
        AnalysisResult failed = outcome.fail("probeAccuracy", accuracy, min);
        return outcome.result(
            failed.verdict(), failed.message() + " (" + probe.detail() + ")", "probeAccuracy");
      }
      probeNote =
          String.format(
              Locale.ROOT,
              ", probeAccuracy %.4f (min %s, %s)",
              accuracy,
              number(min),
              probe.detail());
    }
    return outcome.pass(
        String.format(
            Locale.ROOT,
            "passed: errorRatio %.4f (max %s), latencyRatio %.3f (max %s)%s, %.0f canary requests",
            errorRatio,
            number(limits.maxErrorRatio()),
            latencyRatio,
            number(limits.maxLatencyRatio()),
            probeNote,
            canaryMetrics.requests()));
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, "%s", value);
  }

  /** The numbers gathered so far, turned into a result. */
  private static final class Outcome {
    final Instant time;
    double canaryRequests;
    double stableRequests;
    OptionalDouble errorRatio = OptionalDouble.empty();
    OptionalDouble canaryP99 = OptionalDouble.empty();
    OptionalDouble stableP99 = OptionalDouble.empty();
    OptionalDouble latencyRatio = OptionalDouble.empty();
    OptionalDouble probeAccuracy = OptionalDouble.empty();
    OptionalDouble minProbeAccuracy = OptionalDouble.empty();

    Outcome(Instant time) {
      this.time = time;
    }

    AnalysisResult pass(String message) {
      return result(AnalysisResult.Verdict.Pass, message, "");
    }

    AnalysisResult inconclusive(String message) {
      return result(AnalysisResult.Verdict.Inconclusive, message, "");
    }

    AnalysisResult fail(String metric, double value, double limit) {
      boolean minimum = metric.equals("probeAccuracy");
      String message =
          String.format(
              Locale.ROOT,
              "%s %.4f is %s the %s %s",
              metric,
              value,
              minimum ? "below" : "above",
              minimum ? "minimum" : "maximum",
              number(limit));
      return result(AnalysisResult.Verdict.Fail, message, metric);
    }

    AnalysisResult result(AnalysisResult.Verdict verdict, String message, String metric) {
      return new AnalysisResult(
          time,
          verdict,
          message,
          metric,
          canaryRequests,
          stableRequests,
          errorRatio,
          canaryP99,
          stableP99,
          latencyRatio,
          probeAccuracy,
          minProbeAccuracy);
    }
  }
}
