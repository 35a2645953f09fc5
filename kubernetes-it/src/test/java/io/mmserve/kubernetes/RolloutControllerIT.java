package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.util.Config;
import io.mmserve.kubernetes.StandInGatewayMetrics.Behaviour;
import io.mmserve.rollout.PrometheusMetrics;
import io.mmserve.rollout.RolloutController;
import io.mmserve.rollout.RolloutWatcher;
import io.mmserve.rollout.Rollouts;
import io.mmserve.rollout.TrafficSplit;
import io.mmserve.testsupport.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rollout controller and the gateways' watcher against a real control plane (the chart
 * installed with {@code rollouts.enabled}, acting with the gateway ServiceAccount's token) and a
 * real Prometheus scraping {@link StandInGatewayMetrics}: healthy canaries are promoted, faulty
 * ones rolled back naming the metric, a killed leader's successor continues from the status.
 */
class RolloutControllerIT {
  private static final Duration ANALYSIS_INTERVAL = Duration.ofSeconds(1);
  private static final Duration LATENCY = Duration.ofMillis(20);
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private static RolloutStand stand;

  @BeforeAll
  static void start() throws Exception {
    stand = RolloutStand.start("RolloutControllerIT");
  }

  @AfterAll
  static void stop() throws Exception {
    if (stand != null) {
      stand.close();
    }
  }

  /** Sets both versions' behaviour and waits until Prometheus has enough canary traffic. */
  private static void traffic(String model, Behaviour stable, Behaviour canary) throws Exception {
    stand.metrics.set(model, "v1", stable);
    stand.metrics.set(model, "v2", canary);
    PrometheusMetrics prometheus =
        new PrometheusMetrics(stand.prometheus.url(), Duration.ofSeconds(5));
    Poll.until(
        "Prometheus has 20 requests of " + model + "@v2 in 10 s",
        TIMEOUT,
        () -> prometheus.read(model, "v2", Duration.ofSeconds(10)).requests(),
        requests -> requests >= 20);
  }

  private static JsonObject status(String name) {
    JsonObject object = stand.get(name);
    return object.has("status") ? object.getAsJsonObject("status") : new JsonObject();
  }

  private static String phase(String name) {
    JsonObject status = status(name);
    return status.has("phase") ? status.get("phase").getAsString() : "";
  }

  private static JsonObject condition(JsonObject status, String type) {
    for (var element : status.getAsJsonArray("conditions")) {
      if (element.getAsJsonObject().get("type").getAsString().equals(type)) {
        return element.getAsJsonObject();
      }
    }
    throw new AssertionError("no condition " + type + " in " + status);
  }

  private static List<Integer> weights(List<TrafficSplit> splits, String model) {
    return splits.stream()
        .filter(s -> s.model().equals(model))
        .map(TrafficSplit::canaryPercent)
        .toList();
  }

  @Test
  void healthyCanary_advancesThroughEveryStep_andIsPromoted_whileTheWatcherFollows()
      throws Exception {
    traffic("healthy", Behaviour.healthy(LATENCY), Behaviour.healthy(LATENCY));
    List<TrafficSplit> splits = new CopyOnWriteArrayList<>();
    try (RolloutWatcher watcher =
            Rollouts.watcher(stand.settings("watcher", ANALYSIS_INTERVAL), splits::add);
        RolloutController controller =
            Rollouts.controller(stand.settings("controller-healthy", ANALYSIS_INTERVAL))) {
      watcher.start();
      controller.start();
      stand.create(RolloutStand.rollout("healthy", "healthy", "v1", "v2", "20, 50, 100", "2s"));
      Poll.until("healthy promoted", TIMEOUT, () -> phase("healthy"), "Promoted"::equals);
      Poll.until(
          "the watcher hears of the promotion",
          Duration.ofSeconds(5),
          () -> splits.isEmpty() ? null : splits.getLast(),
          TrafficSplit.allStable("healthy", "v2")::equals);
    }
    JsonObject object = stand.get("healthy");
    JsonObject spec = object.getAsJsonObject("spec");
    assertEquals("v2", spec.get("stableVersion").getAsString());
    assertFalse(spec.has("canaryVersion"), spec.toString());
    JsonObject status = object.getAsJsonObject("status");
    assertEquals(0, status.get("canaryWeight").getAsInt());
    assertEquals("True", condition(status, "Promoted").get("status").getAsString());
    assertEquals("Pass", status.getAsJsonObject("lastAnalysis").get("verdict").getAsString());
    // every step was applied in order: the watcher saw 20, 50, 100 and then everything to v2
    List<Integer> seen = weights(splits, "healthy");
    assertEquals(List.of(20, 50, 100, 0), seen.subList(seen.indexOf(20), seen.size()), "" + splits);
  }

  @Test
  void erroringCanary_isRolledBackAtItsFirstAnalysis_namingTheMetricAndItsValue() throws Exception {
    traffic("erroring", Behaviour.healthy(LATENCY), new Behaviour(0.5, LATENCY));
    try (RolloutController controller =
        Rollouts.controller(stand.settings("controller-erroring", ANALYSIS_INTERVAL))) {
      controller.start();
      stand.create(RolloutStand.rollout("erroring", "erroring", "v1", "v2", "20, 50, 100", "2s"));
      Poll.until("erroring rolled back", TIMEOUT, () -> phase("erroring"), "RolledBack"::equals);
    }
    JsonObject status = status("erroring");
    assertEquals(0, status.get("canaryWeight").getAsInt());
    assertEquals(1, status.get("step").getAsInt(), "rolled back in its first step: " + status);
    JsonObject rolledBack = condition(status, "RolledBack");
    assertEquals("ErrorRatioTooHigh", rolledBack.get("reason").getAsString());
    String message = rolledBack.get("message").getAsString();
    // the stand-in fails a random half of the canary's calls: the ratio is near 0.5, not exactly
    java.util.regex.Matcher ratio =
        java.util.regex.Pattern.compile("errorRatio (\\d+\\.\\d+)").matcher(message);
    assertTrue(ratio.find(), message);
    assertEquals(0.5, Double.parseDouble(ratio.group(1)), 0.05, message);
    assertTrue(message.contains("above the maximum 0.05"), message);
    JsonObject analysis = status.getAsJsonObject("lastAnalysis");
    assertEquals("errorRatio", analysis.get("failedMetric").getAsString());
    assertEquals(0.5, analysis.get("canaryErrorRatio").getAsDouble(), 0.05);
  }

  @Test
  void threeTimesSlowerCanary_isRolledBackOnTheLatencyRatio() throws Exception {
    traffic("slow", Behaviour.healthy(LATENCY), Behaviour.healthy(LATENCY.multipliedBy(3)));
    try (RolloutController controller =
        Rollouts.controller(stand.settings("controller-slow", ANALYSIS_INTERVAL))) {
      controller.start();
      stand.create(RolloutStand.rollout("slow", "slow", "v1", "v2", "20, 50, 100", "2s"));
      Poll.until("slow rolled back", TIMEOUT, () -> phase("slow"), "RolledBack"::equals);
    }
    JsonObject status = status("slow");
    JsonObject rolledBack = condition(status, "RolledBack");
    assertEquals("LatencyRatioTooHigh", rolledBack.get("reason").getAsString());
    double ratio = status.getAsJsonObject("lastAnalysis").get("latencyRatio").getAsDouble();
    assertTrue(ratio > 2 && ratio < 4, "latencyRatio " + ratio);
    assertTrue(rolledBack.get("message").getAsString().contains("latencyRatio"), "" + rolledBack);
  }

  @Test
  void watcher_deliversAStatusWeight_andADeletion() throws Exception {
    List<TrafficSplit> splits = new CopyOnWriteArrayList<>();
    try (RolloutWatcher watcher =
        Rollouts.watcher(stand.settings("watcher", ANALYSIS_INTERVAL), splits::add)) {
      watcher.start();
      stand.create(RolloutStand.rollout("watched", "watched", "v1", "v2", "30", "1h"));
      Poll.until(
          "the watcher hears of the new rollout",
          Duration.ofSeconds(10),
          () -> splits,
          s -> s.contains(TrafficSplit.allStable("watched", "v1")));
      // what a controller writes at the first step
      stand.updateStatus(
          "watched",
          "{\"phase\": \"Progressing\", \"canaryVersion\": \"v2\", \"canaryWeight\": 30,"
              + " \"step\": 1}");
      Poll.until(
          "the watcher hears of weight 30",
          Duration.ofSeconds(5),
          () -> splits,
          s -> s.contains(new TrafficSplit("watched", "v1", "v2", 30)));
      stand.delete("watched");
      Poll.until(
          "the watcher hears of the deletion",
          Duration.ofSeconds(5),
          () -> splits.getLast(),
          TrafficSplit.allStable("watched", "v1")::equals);
    }
  }

  @Test
  void killedLeader_isSucceededThroughTheLease_andTheRolloutContinuesFromItsStatus()
      throws Exception {
    traffic("takeover", Behaviour.healthy(LATENCY), Behaviour.healthy(LATENCY));
    List<TrafficSplit> splits = new CopyOnWriteArrayList<>();
    CoordinationV1Api leases =
        new CoordinationV1Api(Config.fromConfig(stand.controlPlane.kubeconfig().toString()));
    List<Process> processes = new ArrayList<>();
    try (RolloutWatcher watcher =
        Rollouts.watcher(stand.settings("watcher", ANALYSIS_INTERVAL), splits::add)) {
      watcher.start();
      Process a = controllerProcess("controller-a");
      processes.add(a);
      Poll.until(
          "controller-a holds the Lease", TIMEOUT, () -> holder(leases), "controller-a"::equals);
      processes.add(controllerProcess("controller-b"));
      stand.create(
          RolloutStand.rollout("takeover", "takeover", "v1", "v2", "10, 20, 30, 40, 100", "3s"));
      Poll.until(
          "takeover at step 2 or later",
          TIMEOUT,
          () -> status("takeover").has("step") ? status("takeover").get("step").getAsInt() : 0,
          step -> step >= 2);
      int stepAtKill = status("takeover").get("step").getAsInt();
      a.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: the Lease is not released
      Poll.until(
          "controller-b takes the Lease", TIMEOUT, () -> holder(leases), "controller-b"::equals);
      Poll.until("takeover promoted", TIMEOUT, () -> phase("takeover"), "Promoted"::equals);
      V1Lease lease =
          leases
              .readNamespacedLease("mmserve-rollout-controller", RolloutStand.NAMESPACE)
              .execute();
      assertTrue(lease.getSpec().getLeaseTransitions() >= 1, "" + lease.getSpec());
      // the successor continued: the weights never went back to an earlier step
      List<Integer> seen = weights(splits, "takeover");
      List<Integer> beforePromotion = seen.subList(0, seen.lastIndexOf(100) + 1);
      for (int i = 1; i < beforePromotion.size(); i++) {
        assertTrue(beforePromotion.get(i) > beforePromotion.get(i - 1), "weights " + seen);
      }
      assertTrue(stepAtKill >= 2);
      assertEquals(0, seen.getLast(), "weights " + seen);
    } finally {
      for (Process p : processes) {
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  private static String holder(CoordinationV1Api leases) throws Exception {
    return leases
        .readNamespacedLease("mmserve-rollout-controller", RolloutStand.NAMESPACE)
        .execute()
        .getSpec()
        .getHolderIdentity();
  }

  /** {@code io.mmserve.rollout.Main} in its own JVM, its output in the stand's folder. */
  private static Process controllerProcess(String identity) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.mmserve.rollout.Main");
    command.addAll(stand.flags(identity, ANALYSIS_INTERVAL));
    Path log = stand.dir.resolve(identity + ".log");
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
