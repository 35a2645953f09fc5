package io.mmserve.kit.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {
  private static FaultInjection read(Map<String, String> given) {
    Map<String, String> values = new HashMap<>(FaultInjection.defaults());
    values.putAll(given);
    return FaultInjection.from(Config.of(values));
  }

  /** Runs delayed tasks only when the test says so, remembering the delays asked for. */
  private static final class ManualDelayer implements Function<Duration, Executor> {
    final List<Duration> delays = new ArrayList<>();
    final List<Runnable> tasks = new ArrayList<>();

    @Override
    public Executor apply(Duration delay) {
      delays.add(delay);
      return tasks::add;
    }
  }

  @Test
  void off_byDefault_leavesAnswersAlone() {
    FaultInjection faults = read(Map.of());
    CompletableFuture<String> answer = CompletableFuture.completedFuture("m@1.1.0-int8");

    assertFalse(faults.on());
    assertSame(answer, faults.apply(answer, s -> s, () -> 0, new ManualDelayer()));
  }

  @Test
  void on_failsTheConfiguredShareOfTheVersionsAnswers_withinABinomialBound() {
    FaultInjection faults =
        read(
            Map.of(
                FaultInjection.VERSION, "1.1.0-int8",
                FaultInjection.ERROR_SHARE, "0.25",
                FaultInjection.ERROR_CODE, "INTERNAL"));
    SplittableRandom random = new SplittableRandom(13);
    int n = 2000;
    int failed = 0;
    for (int i = 0; i < n; i++) {
      CompletableFuture<String> answer =
          faults.apply(
              CompletableFuture.completedFuture("shapes-clip@1.1.0-int8"),
              s -> s,
              random::nextDouble,
              new ManualDelayer());
      if (answer.isCompletedExceptionally()) {
        failed++;
        CompletionException e = assertThrows(CompletionException.class, answer::join);
        Status status = Status.fromThrowable(e.getCause());
        assertEquals(Status.Code.INTERNAL, status.getCode());
        assertTrue(status.getDescription().contains("fault injected"), status.getDescription());
      }
    }

    double sigma = Math.sqrt(n * 0.25 * 0.75);
    assertTrue(Math.abs(failed - n * 0.25) <= 4.5 * sigma, failed + " of " + n);
  }

  @Test
  void otherVersions_areUntouched() {
    FaultInjection faults =
        read(Map.of(FaultInjection.VERSION, "1.1.0-int8", FaultInjection.ERROR_SHARE, "1"));
    CompletableFuture<String> stable =
        faults.apply(
            CompletableFuture.completedFuture("shapes-clip@1.0.0"),
            s -> s,
            () -> 0,
            new ManualDelayer());
    CompletableFuture<String> canary =
        faults.apply(
            CompletableFuture.completedFuture("shapes-clip@1.1.0-int8"),
            s -> s,
            () -> 0,
            new ManualDelayer());

    assertEquals("shapes-clip@1.0.0", stable.join());
    assertEquals(
        Status.Code.UNAVAILABLE, Status.fromThrowable(canary.handle((v, e) -> e).join()).getCode());
  }

  @Test
  void addedLatency_holdsTheAnswerBackUntilTheDelayRuns() {
    FaultInjection faults =
        read(
            Map.of(
                FaultInjection.VERSION, "shapes-clip@1.1.0-int8",
                FaultInjection.ADDED_LATENCY, "250ms"));
    ManualDelayer delayer = new ManualDelayer();

    CompletableFuture<String> answer =
        faults.apply(
            CompletableFuture.completedFuture("shapes-clip@1.1.0-int8"), s -> s, () -> 0, delayer);

    assertFalse(answer.isDone());
    assertEquals(List.of(Duration.ofMillis(250)), delayer.delays);
    delayer.tasks.forEach(Runnable::run);
    assertEquals("shapes-clip@1.1.0-int8", answer.join());
  }

  @Test
  void badSettings_nameTheKeyAndValue() {
    assertEquals(
        "fault-injection.error-code must be UNAVAILABLE or INTERNAL, but was 'NOT_FOUND'",
        assertThrows(
                ConfigException.class, () -> read(Map.of(FaultInjection.ERROR_CODE, "NOT_FOUND")))
            .getMessage());
    assertTrue(
        assertThrows(ConfigException.class, () -> read(Map.of(FaultInjection.ERROR_SHARE, "1.5")))
            .getMessage()
            .contains(FaultInjection.ERROR_SHARE));
  }
}
