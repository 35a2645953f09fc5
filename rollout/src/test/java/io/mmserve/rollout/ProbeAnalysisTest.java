package io.mmserve.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.analysis.minProbeAccuracy} through {@link CanaryAnalysis} and {@link StepMachine}:
 * checked after the metrics, the accuracy and its minimum land in the status's last analysis.
 */
class ProbeAnalysisTest {
  private static final Instant T0 = Instant.parse("2026-12-06T02:00:00Z");

  private final CannedMetrics metrics = new CannedMetrics();
  private ProbeAccuracy answer = ProbeAccuracy.unknown("unset");
  private String probed = "";

  private final StepMachine machine =
      new StepMachine(
          new CanaryAnalysis(
              metrics,
              (model, version) -> {
                probed = model + "@" + version;
                return answer;
              }));

  private static ModelRollout started() {
    RolloutSpec spec =
        new RolloutSpec(
            "shapes-clip",
            "v1",
            Optional.of("v2"),
            List.of(25, 100),
            Duration.ofMinutes(1),
            new AnalysisSpec(0.05, 1.5, OptionalDouble.of(0.9), Duration.ofMinutes(1), 20),
            false);
    RolloutStatus status =
        new RolloutStatus(
            RolloutPhase.Progressing,
            Optional.of("v2"),
            25,
            0,
            Optional.of(T0),
            Optional.empty(),
            List.of(),
            3);
    return new ModelRollout("ns", "r", 3, spec, status, Optional.empty());
  }

  private AnalysisResult analysed(Decision decision) {
    return decision.status().lastAnalysis().orElseThrow();
  }

  @Test
  void aCanaryAboveTheMinimum_passes_withAccuracyAndMinimumInTheStatus() {
    metrics.set("v1", 1000, 1, 0.100).set("v2", 100, 0, 0.110);
    answer = ProbeAccuracy.measured(47 / 48.0, "47 of 48 probe images classified as labelled");

    Decision decision = machine.decide(started(), T0.plusSeconds(61));

    AnalysisResult result = analysed(decision);
    assertEquals("shapes-clip@v2", probed);
    assertEquals(AnalysisResult.Verdict.Pass, result.verdict());
    assertEquals(OptionalDouble.of(47 / 48.0), result.probeAccuracy());
    assertEquals(OptionalDouble.of(0.9), result.minProbeAccuracy());
    assertEquals(
        "passed: errorRatio 0.0000 (max 0.05), latencyRatio 1.100 (max 1.5), probeAccuracy 0.9792"
            + " (min 0.9, 47 of 48 probe images classified as labelled), 100 canary requests",
        result.message());
    assertEquals(100, decision.status().canaryWeight());
  }

  @Test
  void aCanaryBelowTheMinimum_isRolledBack_namingTheAccuracyAndTheMinimum() {
    metrics.set("v1", 1000, 1, 0.100).set("v2", 100, 0, 0.110);
    answer = ProbeAccuracy.measured(1 / 48.0, "1 of 48 probe images classified as labelled");

    Decision decision = machine.decide(started(), T0.plusSeconds(10));

    AnalysisResult result = analysed(decision);
    assertEquals(AnalysisResult.Verdict.Fail, result.verdict());
    assertEquals("probeAccuracy", result.failedMetric());
    assertEquals(
        "probeAccuracy 0.0208 is below the minimum 0.9 (1 of 48 probe images classified as"
            + " labelled)",
        result.message());
    assertEquals(RolloutPhase.RolledBack, decision.status().phase());
    assertEquals(0, decision.status().canaryWeight());
    assertEquals(
        "ProbeAccuracyTooLow",
        decision.status().condition(Condition.ROLLED_BACK).orElseThrow().reason());
  }

  @Test
  void noAccuracy_holdsTheStep_sayingWhy() {
    metrics.set("v1", 1000, 1, 0.100).set("v2", 100, 0, 0.110);
    answer = ProbeAccuracy.unknown("shapes-clip@v2: the probe timeout of PT30S ran out");

    Decision decision = machine.decide(started(), T0.plusSeconds(61));

    AnalysisResult result = analysed(decision);
    assertEquals(AnalysisResult.Verdict.Inconclusive, result.verdict());
    assertEquals(
        "no probe accuracy of the canary: shapes-clip@v2: the probe timeout of PT30S ran out",
        result.message());
    assertEquals(25, decision.status().canaryWeight());
  }

  @Test
  void aCanaryFailingItsMetrics_isNotProbed() {
    metrics.set("v1", 1000, 1, 0.100).set("v2", 100, 50, 0.110);

    machine.decide(started(), T0.plusSeconds(61));

    assertEquals("", probed);
  }

  @Test
  void theStatusJson_keepsAccuracyAndMinimum() {
    metrics.set("v1", 1000, 1, 0.100).set("v2", 100, 0, 0.110);
    answer = ProbeAccuracy.measured(0.5, "24 of 48 probe images classified as labelled");
    Decision decision = machine.decide(started(), T0.plusSeconds(10));

    com.google.gson.JsonObject object = new com.google.gson.JsonObject();
    RolloutJson.writeStatus(object, decision.status());
    com.google.gson.JsonObject analysis =
        object.getAsJsonObject("status").getAsJsonObject("lastAnalysis");

    assertEquals(0.5, analysis.get("probeAccuracy").getAsDouble());
    assertEquals(0.9, analysis.get("minProbeAccuracy").getAsDouble());
  }
}
