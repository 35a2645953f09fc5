package io.mmserve.gateway.routing;

import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The per-version request timer {@value #REQUESTS} (Prometheus: {@code
 * mmserve_gateway_model_requests_seconds_count}, {@code _sum}, {@code _bucket}), tagged {@code
 * method} (the full gRPC method name), {@code model}, {@code version} and {@code status} (the
 * status code name): what a rollout analysis compares between stable and canary. Thread-safe.
 */
public final class ModelRequestMetrics {
  /** The timer's name. */
  public static final String REQUESTS = "mmserve.gateway.model.requests";

  private static final Duration MIN_EXPECTED = Duration.ofMillis(1);
  private static final Duration MAX_EXPECTED = Duration.ofSeconds(30);

  private final MeterRegistry registry;

  public ModelRequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Records one finished call served by {@code call}'s model version. */
  void record(String method, RoutedCall call, Status status, long elapsedNanos) {
    Timer.builder(REQUESTS)
        .description("public model calls by method, model, version and status")
        .tag("method", method)
        .tag("model", call.model())
        .tag("version", call.version())
        .tag("status", status.getCode().name())
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_EXPECTED)
        .maximumExpectedValue(MAX_EXPECTED)
        .register(registry)
        .record(elapsedNanos, TimeUnit.NANOSECONDS);
  }
}
