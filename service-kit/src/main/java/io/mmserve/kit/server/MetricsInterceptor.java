package io.mmserve.kit.server;

import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Records every call in the timer {@value #REQUESTS} tagged with {@code method} (the full gRPC
 * method name) and {@code status} (the status code name). In Prometheus it shows as {@code
 * mmserve_grpc_server_requests_seconds_count} and {@code _sum}.
 */
public final class MetricsInterceptor extends CompletionInterceptor {
  /** The timer's name. */
  public static final String REQUESTS = "mmserve.grpc.server.requests";

  private static final Duration MIN_EXPECTED = Duration.ofMillis(1);
  private static final Duration MAX_EXPECTED = Duration.ofSeconds(30);

  private final MeterRegistry registry;

  public MetricsInterceptor(MeterRegistry registry, LongSupplier nanoTime) {
    super(nanoTime);
    this.registry = registry;
  }

  public MetricsInterceptor(MeterRegistry registry) {
    this(registry, System::nanoTime);
  }

  @Override
  protected void callCompleted(String method, Status status, long elapsedNanos, SpanContext span) {
    Timer.builder(REQUESTS)
        .description("gRPC calls served, by method and status")
        .tag("method", method)
        .tag("status", status.getCode().name())
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_EXPECTED)
        .maximumExpectedValue(MAX_EXPECTED)
        .register(registry)
        .record(elapsedNanos, TimeUnit.NANOSECONDS);
  }
}
