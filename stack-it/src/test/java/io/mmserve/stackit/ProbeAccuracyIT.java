package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.mmserve.rollout.AnalysisResult;
import io.mmserve.rollout.AnalysisSpec;
import io.mmserve.rollout.CanaryAnalysis;
import io.mmserve.rollout.ClassifyProbeRunner;
import io.mmserve.rollout.GrpcProbeClassifier;
import io.mmserve.rollout.GrpcProbeSets;
import io.mmserve.rollout.MetricSource;
import io.mmserve.rollout.ProbeAccuracy;
import io.mmserve.rollout.RolloutSpec;
import io.mmserve.rollout.VersionMetrics;
import io.mmserve.testsupport.LocalStackProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rollout's probe-set check against real processes: {@code ./mmserve up --canary} with the
 * bundled pack as stable (1.0.0) and its int8 encoders packaged by models/int8-version.sh as
 * 1.1.0-int8, made bad for the drill by a deliberately broken probe set (every image's label moved
 * to the next candidate label, the pictures unchanged). The probe runner the gateway uses ({@link
 * ClassifyProbeRunner} over {@link GrpcProbeSets} and {@link GrpcProbeClassifier}) reads each
 * version's probe set from the real vision encoder and classifies it through the real gateway's
 * Classify pinned to {@code model@version}; here its channels reach the processes' ports instead of
 * the gateway's in-process service.
 */
class ProbeAccuracyIT {
  private static final String MODEL = "shapes-clip";
  private static final String STABLE = "1.0.0";
  private static final String CANARY = "1.1.0-int8";
  private static final double MIN_ACCURACY = 0.9;

  private static LocalStackProcess stack;
  private static ManagedChannel gateway;
  private static ManagedChannel vision;
  private static ClassifyProbeRunner probes;

  @BeforeAll
  static void startStackWithABrokenCanary() throws Exception {
    Path pack = CanaryPack.make("probe-it");
    breakLabels(pack.resolve("probes/probes.json"));
    stack =
        LocalStackProcess.start(
            Path.of("target/stack-it"),
            List.of("--canary", pack.toString(), "--canary-weight", "10"),
            Map.of());
    gateway = NettyChannelBuilder.forTarget(stack.gatewayTarget()).usePlaintext().build();
    vision =
        NettyChannelBuilder.forTarget(stack.target("vision-encoder-svc"))
            .usePlaintext()
            .maxInboundMessageSize(16 << 20)
            .build();
    probes =
        new ClassifyProbeRunner(
            GrpcProbeSets.over(vision),
            new GrpcProbeClassifier(gateway),
            Duration.ofSeconds(60),
            64,
            System::nanoTime);
  }

  /** Moves every image's label to the next candidate label: every probe is now labelled wrong. */
  private static void breakLabels(Path file) throws Exception {
    JsonObject set = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    List<String> labels = new ArrayList<>();
    set.getAsJsonArray("labels").forEach(l -> labels.add(l.getAsString()));
    for (JsonElement image : set.getAsJsonArray("images")) {
      JsonObject item = image.getAsJsonObject();
      int at = labels.indexOf(item.get("label").getAsString());
      item.addProperty("label", labels.get((at + 1) % labels.size()));
    }
    Gson gson = new GsonBuilder().setPrettyPrinting().create();
    Files.writeString(file, gson.toJson(set));
  }

  @AfterAll
  static void stopStack() throws InterruptedException {
    for (ManagedChannel channel : new ManagedChannel[] {gateway, vision}) {
      if (channel != null) {
        channel.shutdownNow();
      }
    }
    if (stack != null) {
      stack.close();
    }
  }

  /** Metrics that pass every other check, so the verdict is the probes'. */
  private static final MetricSource PASSING =
      (model, version, window) -> new VersionMetrics(1000, 0, OptionalDouble.of(0.1));

  private static AnalysisResult analyse(String candidate) {
    RolloutSpec spec =
        new RolloutSpec(
            MODEL,
            STABLE,
            Optional.of(candidate),
            List.of(25, 100),
            Duration.ofMinutes(1),
            new AnalysisSpec(0.05, 1.5, OptionalDouble.of(MIN_ACCURACY), Duration.ofMinutes(1), 20),
            false);
    return new CanaryAnalysis(PASSING, probes)
        .analyse(spec, candidate, Optional.empty(), Instant.now());
  }

  @Test
  void theHealthyVersion_classifiesItsProbeSetAlmostPerfectly_andPasses() {
    ProbeAccuracy stable = probes.accuracy(MODEL, STABLE);

    assertTrue(stable.accuracy().orElse(0) >= 0.95, stable.toString());
    assertTrue(
        stable.detail().endsWith(" of 48 probe images classified as labelled"), stable.detail());
    AnalysisResult result = analyse(STABLE);
    assertEquals(AnalysisResult.Verdict.Pass, result.verdict(), result.message());
    assertTrue(result.message().contains("probeAccuracy "), result.message());
    assertEquals(OptionalDouble.of(MIN_ACCURACY), result.minProbeAccuracy());
  }

  @Test
  void aVersionWithBrokenProbeLabels_scoresLow_andFailsTheProbeCheck() {
    ProbeAccuracy canary = probes.accuracy(MODEL, CANARY);

    assertTrue(canary.accuracy().orElse(1) <= 0.1, canary.toString());
    AnalysisResult result = analyse(CANARY);
    assertEquals(AnalysisResult.Verdict.Fail, result.verdict(), result.message());
    assertEquals("probeAccuracy", result.failedMetric());
    assertTrue(
        result.message().startsWith("probeAccuracy 0.")
            && result.message().contains(" is below the minimum " + MIN_ACCURACY + " ("),
        result.message());
  }

  @Test
  void aVersionTheEncodersDoNotServe_hasNoAccuracy_soTheStepHolds() {
    ProbeAccuracy unknown = probes.accuracy(MODEL, "9.9.9");

    assertEquals(OptionalDouble.empty(), unknown.accuracy());
    assertTrue(
        unknown.detail().startsWith("shapes-clip@9.9.9: GetProbeSet failed: INVALID_ARGUMENT:"),
        unknown.detail());
    assertEquals(AnalysisResult.Verdict.Inconclusive, analyse("9.9.9").verdict());
  }
}
