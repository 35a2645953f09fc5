package io.mmserve.kit.fault;

import io.grpc.Status;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deliberate faults for rollout drills ({@code fault-injection.*}, off by default): answers of one
 * model version fail with a share of {@code error-share} (status {@code error-code}, described as
 * injected) and are held back {@code added-latency} longer. Other versions are untouched. Logged at
 * WARN when on, so a faulty service is never mistaken for a real one.
 *
 * @param version the version ("1.1.0-int8") or {@code name@version} whose answers get faults; empty
 *     turns fault injection off
 * @param errorShare the share of that version's answers that fail, 0..1
 * @param errorCode UNAVAILABLE (retryable) or INTERNAL
 * @param addedLatency added to every answer of that version (zero for none)
 */
public record FaultInjection(
    String version, double errorShare, Status.Code errorCode, Duration addedLatency) {
  public static final String VERSION = "fault-injection.version";
  public static final String ERROR_SHARE = "fault-injection.error-share";
  public static final String ERROR_CODE = "fault-injection.error-code";
  public static final String ADDED_LATENCY = "fault-injection.added-latency";

  /** No faults. */
  public static final FaultInjection OFF =
      new FaultInjection("", 0, Status.Code.UNAVAILABLE, Duration.ZERO);

  private static final Logger log = LoggerFactory.getLogger(FaultInjection.class);

  public FaultInjection {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(errorCode, "errorCode");
    Objects.requireNonNull(addedLatency, "addedLatency");
  }

  /** Off. */
  public static Map<String, String> defaults() {
    return Map.of(VERSION, "", ERROR_SHARE, "0", ERROR_CODE, "UNAVAILABLE", ADDED_LATENCY, "0s");
  }

  /**
   * Reads and checks the settings.
   *
   * @throws ConfigException naming the key and the bad value
   */
  public static FaultInjection from(Config config) {
    String code = config.find(ERROR_CODE).orElse("");
    if (!code.equals("UNAVAILABLE") && !code.equals("INTERNAL")) {
      throw new ConfigException(
          ERROR_CODE + " must be UNAVAILABLE or INTERNAL, but was '" + code + "'");
    }
    return new FaultInjection(
        config.find(VERSION).orElse(""),
        config.getDouble(ERROR_SHARE, 0, 1),
        Status.Code.valueOf(code),
        config.getDuration(ADDED_LATENCY, Duration.ZERO, Duration.ofMinutes(1)));
  }

  /** Whether any fault is injected. */
  public boolean on() {
    return !version.isEmpty() && (errorShare > 0 || !addedLatency.isZero());
  }

  /** Logs loudly that faults are on (nothing when off). */
  public void logIfOn(String service) {
    if (on()) {
      log.warn(
          "FAULT INJECTION IS ON in {}: answers of model version {} fail with {} at a share of {}"
              + " and are delayed by {} ({}, {}, {}, {}); this is for drills only",
          service,
          version,
          errorCode,
          errorShare,
          addedLatency,
          VERSION,
          ERROR_SHARE,
          ERROR_CODE,
          ADDED_LATENCY);
    }
  }

  /**
   * The answer with this version's faults: failed (a {@link io.grpc.StatusRuntimeException} whose
   * description says the fault is injected) when {@code draw} is below the error share, delayed by
   * the added latency; unchanged for other versions or when off.
   *
   * @param modelOf the {@code name@version} of an answer
   * @param draw a uniform draw in [0, 1) per answer (thread-safe)
   * @param delayer runs a task after a delay (for example {@link
   *     CompletableFuture#delayedExecutor}); the answer completes on its thread
   */
  public <T> CompletableFuture<T> apply(
      CompletableFuture<T> answer,
      Function<T, String> modelOf,
      DoubleSupplier draw,
      Function<Duration, Executor> delayer) {
    if (!on()) {
      return answer;
    }
    return answer.thenCompose(
        result -> {
          String model = modelOf.apply(result);
          if (!targets(model)) {
            return CompletableFuture.completedFuture(result);
          }
          CompletableFuture<T> faulty = new CompletableFuture<>();
          Runnable finish =
              () -> {
                if (draw.getAsDouble() < errorShare) {
                  faulty.completeExceptionally(
                      Status.fromCode(errorCode)
                          .withDescription(
                              "fault injected for drills ("
                                  + VERSION
                                  + "="
                                  + version
                                  + "): this answer of "
                                  + model
                                  + " failed on purpose")
                          .asRuntimeException());
                } else {
                  faulty.complete(result);
                }
              };
          if (addedLatency.isZero()) {
            finish.run();
          } else {
            delayer.apply(addedLatency).execute(finish);
          }
          return faulty;
        });
  }

  /** The production delayer: the common pool after the delay. */
  public static Executor delayed(Duration delay) {
    return CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private boolean targets(String model) {
    return model.equals(version) || model.endsWith("@" + version);
  }
}
