package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.mmserve.kubernetes.StandInGatewayMetrics.Behaviour;
import io.mmserve.rollout.RolloutController;
import io.mmserve.rollout.Rollouts;
import io.mmserve.testsupport.Poll;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./mmserve rollout status|pause|resume|promote|abort} (the CLI jar, as a process) against
 * the real API server with an admin's kubeconfig, and a rollout controller acting on what it asks.
 */
class RolloutCliIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static RolloutStand stand;
  private static RolloutController controller;

  @BeforeAll
  static void start() throws Exception {
    stand = RolloutStand.start("RolloutCliIT");
    stand.metrics.set("cli", "v1", Behaviour.healthy(Duration.ofMillis(20)));
    stand.metrics.set("cli", "v2", Behaviour.healthy(Duration.ofMillis(20)));
    controller = Rollouts.controller(stand.settings("controller-cli", Duration.ofSeconds(1)));
    controller.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (controller != null) {
      controller.close();
    }
    if (stand != null) {
      stand.close();
    }
  }

  /** What one run of the CLI printed and its exit code. */
  record Run(int exitCode, String out, String err) {}

  private static Run cli(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-jar");
    command.add(Path.of(System.getProperty("mmserve.jar.cli")).toString());
    command.add("rollout");
    command.addAll(List.of(args));
    command.add("--kubeconfig=" + stand.controlPlane.kubeconfig());
    command.add("--namespace=" + RolloutStand.NAMESPACE);
    Process process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    byte[] err = process.getErrorStream().readAllBytes();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("mmserve rollout " + List.of(args) + " did not finish");
    }
    return new Run(
        process.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  private static String phase(String name) {
    JsonObject object = stand.get(name);
    return object.has("status") && object.getAsJsonObject("status").has("phase")
        ? object.getAsJsonObject("status").get("phase").getAsString()
        : "";
  }

  @Test
  void status_printsTheRolloutReadably() throws Exception {
    stand.create(RolloutStand.rollout("shown", "cli", "v1", "v2", "10, 50, 100", "1h"));
    Poll.until("shown progressing", TIMEOUT, () -> phase("shown"), "Progressing"::equals);
    Run run = cli("status", "shown");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("ModelRollout rollouts/shown\n"), run.out());
    assertTrue(run.out().contains("canary     v2 at 10% of requests"), run.out());
    assertTrue(
        run.out().contains("phase      Progressing, step 1/3 (10%, 50%, 100%; each at least 1h)"),
        run.out());
    assertTrue(run.out().contains("condition  Progressing=True"), run.out());
  }

  @Test
  void pauseAndResume_setSpecPaused() throws Exception {
    stand.create(RolloutStand.rollout("paused", "cli", "v1", "v2", "10, 50, 100", "1h"));
    Run pause = cli("pause", "paused");
    assertEquals(0, pause.exitCode(), pause.err());
    assertTrue(stand.get("paused").getAsJsonObject("spec").get("paused").getAsBoolean());
    Poll.until("paused is Paused", TIMEOUT, () -> phase("paused"), "Paused"::equals);
    Run resume = cli("resume", "paused");
    assertEquals(0, resume.exitCode(), resume.err());
    assertFalse(stand.get("paused").getAsJsonObject("spec").get("paused").getAsBoolean());
    Poll.until("paused progresses again", TIMEOUT, () -> phase("paused"), "Progressing"::equals);
  }

  @Test
  void abort_rollsBackAtOnce_andPromote_makesTheCanaryStable() throws Exception {
    stand.create(RolloutStand.rollout("aborted", "cli", "v1", "v2", "10, 50, 100", "1h"));
    stand.create(RolloutStand.rollout("promoted", "cli", "v1", "v2", "10, 50, 100", "1h"));
    Poll.until("aborted progressing", TIMEOUT, () -> phase("aborted"), "Progressing"::equals);
    Poll.until("promoted progressing", TIMEOUT, () -> phase("promoted"), "Progressing"::equals);

    Run abort = cli("abort", "aborted");
    assertEquals(0, abort.exitCode(), abort.err());
    assertTrue(abort.out().contains("asked the controller to abort"), abort.out());
    Poll.until("aborted rolled back", TIMEOUT, () -> phase("aborted"), "RolledBack"::equals);
    Run status = cli("status", "aborted");
    assertTrue(status.out().contains("RolledBack=True Aborted"), status.out());

    Run promote = cli("promote", "promoted");
    assertEquals(0, promote.exitCode(), promote.err());
    Poll.until("promoted promoted", TIMEOUT, () -> phase("promoted"), "Promoted"::equals);
    JsonObject promoted = stand.get("promoted");
    assertEquals("v2", promoted.getAsJsonObject("spec").get("stableVersion").getAsString());
    assertFalse(
        promoted.getAsJsonObject("metadata").has("annotations")
            && promoted
                .getAsJsonObject("metadata")
                .getAsJsonObject("annotations")
                .has("mmserve.io/rollout-action"),
        "the action annotation is removed: " + promoted.get("metadata"));
  }

  @Test
  void unknownRollout_andBadUsage_areClearErrors() throws Exception {
    Run missing = cli("status", "nothing-here");
    assertEquals(1, missing.exitCode());
    assertTrue(
        missing.err().contains("no ModelRollout rollouts/nothing-here (HTTP 404"), missing.err());
    Run usage = cli("restart", "x");
    assertEquals(2, usage.exitCode());
    assertTrue(usage.err().contains("rollout takes an action and a name"), usage.err());
  }
}
