package io.mmserve.kit.server;

import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * Records every call in the timer {@value #REQUESTS} tagged with {@code method} (the full gRPC
 * method name) and {@code status} (the status code name). In Prometheus it shows as {@code
 * mmserve_grpc_server_requests_seconds_count} and {@code _sum}.
 *
 * <p>Each method's timers are registered on the method's first call with that status and then kept:
 * a call looks its timer up in a map by method and an array by status code, instead of building the
 * meter's id and asking the registry on every call.
 */
public final class MetricsInterceptor extends CompletionInterceptor {
  /** The timer's name. */
  public static final String REQUESTS = "mmserve.grpc.server.requests";

  private static final Duration MIN_EXPECTED = Duration.ofMillis(1);
  private static final Duration MAX_EXPECTED = Duration.ofSeconds(30);

  private static final Status.Code[] CODES = Status.Code.values();

  private final MeterRegistry registry;
  private final ConcurrentMap<String, AtomicReferenceArray<Timer>> timers =
      new ConcurrentHashMap<>();

  public MetricsInterceptor(MeterRegistry registry, LongSupplier nanoTime) {
    super(nanoTime);
    this.registry = registry;
  }

  public MetricsInterceptor(MeterRegistry registry) {
    this(registry, System::nanoTime);
  }

  @Override
  protected void callCompleted(String method, Status status, long elapsedNanos, SpanContext span) {
    timer(method, status.getCode()).record(elapsedNanos, TimeUnit.NANOSECONDS);
  }

  private Timer timer(String method, Status.Code code) {
    AtomicReferenceArray<Timer> byCode =
        timers.computeIfAbsent(method, m -> new AtomicReferenceArray<>(CODES.length));
    Timer timer = byCode.get(code.ordinal());
    if (timer == null) {
      timer = register(method, code); // the registry returns the same timer to a racing thread
      byCode.set(code.ordinal(), timer);
    }
    return timer;
  }

  private Timer register(String method, Status.Code code) {
    return Timer.builder(REQUESTS)
        .description("gRPC calls served, by method and status")
        .tag("method", method)
        .tag("status", code.name())
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_EXPECTED)
        .maximumExpectedValue(MAX_EXPECTED)
        .register(registry);
  }
}
