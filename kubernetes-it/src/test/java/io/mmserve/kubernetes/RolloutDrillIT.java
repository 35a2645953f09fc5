package io.mmserve.kubernetes;

import static io.mmserve.kubernetes.DrillStack.CANARY;
import static io.mmserve.kubernetes.DrillStack.STABLE;
import static io.mmserve.kubernetes.DrillStack.VERSIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.hash.Hashing;
import com.google.gson.JsonObject;
import io.grpc.Status;
import io.mmserve.kubernetes.AppliedSplits.Applied;
import io.mmserve.kubernetes.DrillLoad.Call;
import io.mmserve.testsupport.Poll;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's canary drill end to end, nothing standing in: the chart installed with {@code
 * rollouts.enabled} into a real control plane (its ModelRollout CRD and the gateway's Roles), the
 * local stack's real gateway running the watcher and the controller with the chart's gateway
 * ServiceAccount, real encoders serving shapes-clip 1.0.0 and 1.1.0-int8 side by side, and a real
 * Prometheus scraping that gateway every {@link #SCRAPE_INTERVAL}. Each test starts its own stack
 * (the faulty one with {@code fault-injection.*} on the canary) and creates its own ModelRollout.
 */
class RolloutDrillIT {
  private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(2);
  private static final Duration ANALYSIS_INTERVAL = Duration.ofSeconds(3);
  private static final Duration TIMEOUT = Duration.ofMinutes(4);
  private static final int MIN_REQUESTS = 20;
  private static final double MAX_ERROR_RATIO = 0.05;
  private static final double SIGMAS = 4.5;

  /** The fewest calls a weight between 0 and 100 is checked on. */
  private static final int MIN_SAMPLE = 30;

  private static RolloutStand stand;

  @BeforeAll
  static void start() throws Exception {
    stand = RolloutStand.start("RolloutDrillIT", SCRAPE_INTERVAL);
    DrillStack.canaryPack();
  }

  @AfterAll
  static void stop() throws Exception {
    if (stand != null) {
      stand.close();
    }
  }

  /**
   * The ModelRollout of shapes-clip 1.0.0 to 1.1.0-int8; the analysis reads a 10 s window. The
   * latency limit is loose: on a shared machine a few slow calls make a small sample's p99.
   */
  private static String rollout(String name, String steps, String stepInterval) {
    return """
        {"apiVersion": "mmserve.io/v1alpha1", "kind": "ModelRollout",
         "metadata": {"name": "%s", "namespace": "%s"},
         "spec": {"model": "%s", "stableVersion": "%s", "canaryVersion": "%s",
                  "steps": [%s], "stepInterval": "%s",
                  "analysis": {"maxErrorRatio": %s, "maxLatencyRatio": 5,
                               "window": "10s", "minRequests": %d}}}
        """
        .formatted(
            name,
            RolloutStand.NAMESPACE,
            DrillStack.MODEL,
            STABLE,
            CANARY,
            steps,
            stepInterval,
            MAX_ERROR_RATIO,
            MIN_REQUESTS);
  }

  /**
   * Polls the rollout's status, noting each into {@code history}, until its phase is {@code phase}.
   */
  private static JsonObject awaitPhase(String name, String phase, RolloutHistory history)
      throws InterruptedException {
    return Poll.until(
        name + " " + phase,
        TIMEOUT,
        () -> {
          JsonObject object = stand.get(name);
          JsonObject status =
              object.has("status") ? object.getAsJsonObject("status") : new JsonObject();
          history.note(status);
          return status;
        },
        status -> status.has("phase") && status.get("phase").getAsString().equals(phase));
  }

  /** Waits until the gateway logged a split {@code done} accepts; returns when it was seen. */
  private static Instant awaitSplit(DrillStack drill, String what, Predicate<Applied> done)
      throws InterruptedException {
    return Poll.until(
            "the gateway applies " + what,
            Duration.ofSeconds(30),
            drill.splits::last,
            applied -> applied != null && done.test(applied))
        .seen();
  }

  /** Keeps the load running until {@code count} calls sent after {@code since} were answered. */
  private static void awaitCallsAfter(DrillLoad load, Instant since, int count)
      throws InterruptedException {
    Poll.until(
        count + " calls answered after " + since,
        Duration.ofMinutes(2),
        () -> load.calls().stream().filter(c -> c.sent().isAfter(since)).count(),
        n -> n >= count);
  }

  private static void deleteRollout(String name) throws InterruptedException {
    stand.delete(name);
    Poll.until(
        name + " deleted",
        Duration.ofSeconds(30),
        () -> {
          try {
            stand.get(name);
            return false;
          } catch (AssertionError e) {
            return true;
          }
        },
        gone -> gone);
  }

  /** The splits the gateway applied since {@code since}. */
  private static List<Applied> appliedSince(DrillStack drill, Instant since) {
    return drill.splits.all().stream().filter(a -> a.seen().isAfter(since)).toList();
  }

  /** The splits applied since {@code since}, as {@code stable/canary@percent}. */
  private static List<String> splitsSince(DrillStack drill, Instant since) {
    return appliedSince(drill, since).stream()
        .map(a -> a.stable() + "/" + (a.canary().isEmpty() ? "-" : a.canary()) + "@" + a.percent())
        .toList();
  }

  private static JsonObject condition(JsonObject status, String type) {
    for (var element : status.getAsJsonArray("conditions")) {
      if (element.getAsJsonObject().get("type").getAsString().equals(type)) {
        return element.getAsJsonObject();
      }
    }
    throw new AssertionError("no condition " + type + " in " + status);
  }

  @Test
  void healthyCanary_advancesAtTheWeightsResponsesReport_isPromoted_andNoRequestMixesVersions()
      throws Exception {
    String name = "drill-healthy";
    try (DrillStack drill = DrillStack.start(stand, name, ANALYSIS_INTERVAL, List.of())) {
      RolloutHistory history = new RolloutHistory();
      Map<String, Double> before = drill.encodedItems();
      DrillLoad load = new DrillLoad(drill.channel, 4, DrillLoad.Kind.MIXED);
      Instant created = Instant.now();
      try {
        history.decided(created);
        stand.create(rollout(name, "20, 50, 100", "10s"));
        awaitPhase(name, "Promoted", history);
        Instant promoted =
            awaitSplit(drill, "the promotion", a -> a.stable().equals(CANARY) && a.percent() == 0);
        awaitCallsAfter(load, promoted, 50);
      } finally {
        load.close();
      }
      List<Call> calls = load.calls();
      Map<String, Double> after = drill.encodedItems();

      JsonObject object = stand.get(name);
      assertEquals(CANARY, object.getAsJsonObject("spec").get("stableVersion").getAsString());
      assertFalse(object.getAsJsonObject("spec").has("canaryVersion"), object.toString());
      JsonObject status = object.getAsJsonObject("status");
      assertEquals(0, status.get("canaryWeight").getAsInt());
      assertEquals("AllStepsPassed", condition(status, "Promoted").get("reason").getAsString());

      List<Call> failed = calls.stream().filter(c -> !c.ok()).toList();
      assertTrue(
          failed.isEmpty(), () -> failed.size() + " calls failed, first: " + failed.getFirst());
      // the new rollout before its first step, every step in order, then the promoted version
      String canarySplit = STABLE + "/" + CANARY + "@";
      assertEquals(
          List.of(
              STABLE + "/-@0",
              canarySplit + 20,
              canarySplit + 50,
              canarySplit + 100,
              CANARY + "/-@0"),
          splitsSince(drill, created),
          "" + drill.splits.all());
      for (SplitSample sample :
          SplitSample.of(appliedSince(drill, created), history.decisions(), calls)) {
        assertShareOfCanary(sample);
      }
      assertEncodedByTheVersionsReported(calls, before, after);
    } finally {
      deleteRollout(name);
    }
  }

  /** Every answer of a split at 0 or 100 % is its version; between, the share is binomial. */
  private static void assertShareOfCanary(SplitSample sample) {
    Applied split = sample.split();
    int n = sample.calls().size();
    long canary = sample.canaryCount();
    System.out.printf(
        Locale.ROOT, "RolloutDrillIT: %s: %d of %d calls on the canary%n", split, canary, n);
    for (Call call : sample.calls()) {
      String expected =
          split.percent() == 100 ? split.canary() : split.percent() == 0 ? split.stable() : null;
      assertTrue(
          expected == null ? VERSIONS.contains(call.version()) : expected.equals(call.version()),
          split + ": " + call);
    }
    if (split.percent() > 0 && split.percent() < 100) {
      double p = split.percent() / 100.0;
      double sigma = Math.sqrt(n * p * (1 - p));
      assertTrue(n >= MIN_SAMPLE, split + ": only " + n + " calls certainly routed by it");
      assertTrue(
          Math.abs(canary - n * p) <= SIGMAS * sigma,
          split
              + ": "
              + canary
              + " of "
              + n
              + " on the canary, expected "
              + n * p
              + " +- "
              + SIGMAS * sigma);
    }
  }

  /**
   * No call mixed versions: each version's encoders ran exactly the texts and images of the calls
   * that reported it (the encoders' own per-pack counters; a Classify, Rank or Match whose text
   * went to one version and images to the other would move the other version's counter).
   */
  private static void assertEncodedByTheVersionsReported(
      List<Call> calls, Map<String, Double> before, Map<String, Double> after) {
    for (String version : VERSIONS) {
      List<Call> reported = calls.stream().filter(c -> c.version().equals(version)).toList();
      double texts = reported.stream().mapToInt(Call::texts).sum();
      double images = reported.stream().mapToInt(Call::images).sum();
      assertEquals(
          texts,
          after.getOrDefault("text@" + version, 0.0) - before.getOrDefault("text@" + version, 0.0),
          "texts encoded by " + version);
      assertEquals(
          images,
          after.getOrDefault("image@" + version, 0.0)
              - before.getOrDefault("image@" + version, 0.0),
          "images encoded by " + version);
      assertTrue(
          reported.stream().anyMatch(c -> !c.method().equals("EmbedText")),
          "no Classify, Rank or Match answered by " + version);
    }
  }

  /** The routing bucket (0..99) of a key, by the gateway's documented rule (murmur3_32 mod 100). */
  private static int bucket(String key) {
    return Math.floorMod(
        Hashing.murmur3_32_fixed().hashString(key, StandardCharsets.UTF_8).asInt(), 100);
  }

  @Test
  void faultyCanary_isRolledBackAtTheFirstAnalysisWithEnoughTraffic_andStableCallsNeverFail()
      throws Exception {
    String name = "drill-faulty";
    int weight = 20;
    List<String> faults =
        List.of(
            "fault-injection.version=" + CANARY,
            "fault-injection.error-share=0.5",
            "fault-injection.error-code=INTERNAL");
    try (DrillStack drill = DrillStack.start(stand, name, ANALYSIS_INTERVAL, faults)) {
      RolloutHistory history = new RolloutHistory();
      DrillLoad load = new DrillLoad(drill.channel, 4, DrillLoad.Kind.KEYED_EMBED_TEXT);
      Instant created = Instant.now();
      JsonObject status;
      Instant back;
      try {
        history.decided(created);
        // a step interval no drill lasts: only the analysis can move the weight
        stand.create(rollout(name, weight + ", 100", "1h"));
        status = awaitPhase(name, "RolledBack", history);
        back =
            awaitSplit(
                drill, "the rollback", a -> a.stable().equals(STABLE) && a.canary().isEmpty());
        awaitCallsAfter(load, back, 50);
      } finally {
        load.close();
      }
      List<Call> calls = load.calls();

      assertEquals(0, status.get("canaryWeight").getAsInt());
      assertEquals(1, status.get("step").getAsInt(), "rolled back in its first step: " + status);
      JsonObject analysis = status.getAsJsonObject("lastAnalysis");
      assertEquals("Fail", analysis.get("verdict").getAsString());
      assertEquals("errorRatio", analysis.get("failedMetric").getAsString());
      double ratio = analysis.get("canaryErrorRatio").getAsDouble();
      assertTrue(ratio > MAX_ERROR_RATIO, "errorRatio " + ratio);
      assertTrue(analysis.get("canaryRequests").getAsDouble() >= MIN_REQUESTS, "" + analysis);
      JsonObject rolledBack = condition(status, "RolledBack");
      assertEquals("ErrorRatioTooHigh", rolledBack.get("reason").getAsString());
      String expected =
          String.format(Locale.ROOT, "errorRatio %.4f is above the maximum %s", ratio, 0.05);
      assertTrue(
          rolledBack.get("message").getAsString().contains(expected),
          rolledBack + " should say " + expected);
      // rolled back at the first analysis that had enough canary traffic: none passed before it
      List<JsonObject> analyses = history.analyses();
      for (JsonObject earlier : analyses.subList(0, analyses.size() - 1)) {
        assertEquals("Inconclusive", earlier.get("verdict").getAsString(), "" + analyses);
      }
      Instant stepStarted = Instant.parse(status.get("stepStartedAt").getAsString());
      Instant decided = Instant.parse(rolledBack.get("lastTransitionTime").getAsString());
      System.out.printf(
          Locale.ROOT,
          "RolloutDrillIT: rolled back %d ms after the step started (analysis interval %s, scrape"
              + " interval %s; analyses %s)%n",
          Duration.between(stepStarted, decided).toMillis(),
          ANALYSIS_INTERVAL,
          SCRAPE_INTERVAL,
          analyses);
      assertEquals(
          List.of(STABLE + "/-@0", STABLE + "/" + CANARY + "@" + weight, STABLE + "/-@0"),
          splitsSince(drill, created),
          "" + drill.splits.all());

      // while the canary served, a key below the weight got the canary: answered by it, failed by
      // its injected INTERNAL, or refused UNAVAILABLE once the canary's own circuit breaker opened
      SplitSample canarySample =
          SplitSample.of(appliedSince(drill, created), history.decisions(), calls).get(1);
      for (Call call : canarySample.calls()) {
        if (bucket(call.routeKey()) < weight) {
          assertTrue(
              call.ok()
                  ? call.version().equals(CANARY)
                  : call.code() == Status.Code.INTERNAL || call.code() == Status.Code.UNAVAILABLE,
              "a canary key at " + canarySample.split() + ": " + call);
        }
      }
      // a key in a bucket at or above the weight never went to the canary: it never failed
      for (Call call : calls) {
        if (bucket(call.routeKey()) >= weight) {
          assertTrue(call.ok() && call.version().equals(STABLE), "a stable call: " + call);
        }
        if (call.sent().isAfter(back)) {
          assertTrue(call.ok() && call.version().equals(STABLE), "after the rollback: " + call);
        }
      }
      List<Call> failed = calls.stream().filter(c -> !c.ok()).toList();
      assertFalse(failed.isEmpty(), "the canary's injected faults reached no caller");
      for (Call call : failed) {
        // the injected fault, or the canary's own circuit breaker refusing once it opened
        assertTrue(
            call.code() == Status.Code.INTERNAL || call.code() == Status.Code.UNAVAILABLE,
            "" + call);
        assertTrue(bucket(call.routeKey()) < weight, "a failed call of a stable key: " + call);
        assertFalse(call.done().isBefore(stepStarted), "failed before the canary served: " + call);
      }
    } finally {
      deleteRollout(name);
    }
  }
}
