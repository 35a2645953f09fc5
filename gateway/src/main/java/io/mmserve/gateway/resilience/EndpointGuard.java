package io.mmserve.gateway.resilience;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.util.ForwardingClientStreamTracer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Resilience4j circuit breakers and bulkhead of one replica of a backend, which gRPC's load
 * balancing does not have: one bulkhead (the replica's capacity, whatever the version) and one
 * breaker per {@link BreakerScopes scope} (per routed model version, plus the shared one), made
 * when a call of that scope first comes and dropped when its version leaves the splits, each with
 * its {@code mmserve_backend_circuit_state} gauge. {@link GuardingPicker} asks {@link #refusal}
 * before it lets a call go to the replica; the call's stream tracer ({@link #tracing}) takes a
 * bulkhead permit when the stream starts and, when it ends, gives the permit back and tells the
 * call's breaker the outcome. This is how grpc-java's own least_request and xds circuit breaking
 * count calls: checked at the pick, counted from the stream, so a pick that grpc discards and picks
 * again leaks nothing.
 *
 * <p>Thread-safe: picks and tracer callbacks run on any thread.
 */
final class EndpointGuard {
  private static final Logger log = LoggerFactory.getLogger(EndpointGuard.class);
  private static final ClientStreamTracer NO_TRACER = new ClientStreamTracer() {};
  private static final Metadata.Key<String> PREVIOUS_ATTEMPTS =
      Metadata.Key.of("grpc-previous-rpc-attempts", Metadata.ASCII_STRING_MARSHALLER);

  /** Why an endpoint refuses a call. */
  enum Refusal {
    CIRCUIT_OPEN,
    BULKHEAD_FULL
  }

  private final String backend;
  private final String name;
  private final CircuitBreakerConfig breakerConfig;
  private final BreakerScopes scopes;
  private final MeterRegistry registry;
  private final Map<String, ScopedBreaker> breakers = new ConcurrentHashMap<>();
  private final Bulkhead bulkhead;
  private final int maxConcurrentCalls;
  private final Clock clock;
  private volatile ConnectivityState connectivity = ConnectivityState.IDLE;

  /** A breaker of one scope, and its gauge. */
  private record ScopedBreaker(CircuitBreaker breaker, Gauge gauge) {}

  /**
   * @param name the replica's name in metrics and messages, e.g. "127.0.0.1:50052"
   * @param clock times calls (slow-call rate) and the breakers' open state
   * @param scopes which scopes may have breakers; the shared one is made now
   * @param registry where each breaker's state gauge goes; removed by {@link #close}
   */
  EndpointGuard(
      String backend,
      String name,
      ResilienceSettings settings,
      Clock clock,
      BreakerScopes scopes,
      MeterRegistry registry) {
    this.backend = backend;
    this.name = name;
    this.clock = clock;
    this.scopes = scopes;
    this.registry = registry;
    ResilienceSettings.BreakerSettings b = settings.breaker();
    this.breakerConfig =
        CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(b.windowSize())
            .minimumNumberOfCalls(b.minimumCalls())
            .failureRateThreshold(b.failureRateThreshold())
            .slowCallRateThreshold(b.slowCallRateThreshold())
            .slowCallDurationThreshold(b.slowCallDuration())
            .waitDurationInOpenState(b.openDuration())
            .permittedNumberOfCallsInHalfOpenState(b.halfOpenCalls())
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .clock(clock)
            .build();
    breaker(BreakerScopes.SHARED);
    this.maxConcurrentCalls = settings.bulkheadMaxConcurrentCalls();
    this.bulkhead =
        Bulkhead.of(
            backend + "@" + name,
            BulkheadConfig.custom()
                .maxConcurrentCalls(maxConcurrentCalls)
                .maxWaitDuration(Duration.ZERO)
                .build());
  }

  String name() {
    return name;
  }

  /** The breaker of {@code scope}, made now if it has none (dropping those of stale scopes). */
  private CircuitBreaker breaker(String scope) {
    ScopedBreaker scoped = breakers.get(scope);
    return scoped != null ? scoped.breaker() : newBreaker(scope);
  }

  private synchronized CircuitBreaker newBreaker(String scope) {
    ScopedBreaker existing = breakers.get(scope);
    if (existing != null) {
      return existing.breaker();
    }
    for (String stale : List.copyOf(breakers.keySet())) {
      if (!scopes.isCurrent(stale)) {
        registry.remove(breakers.remove(stale).gauge());
      }
    }
    String label = scope.isEmpty() ? "" : " (" + scope + ")";
    CircuitBreaker breaker = CircuitBreaker.of(backend + "@" + name + label, breakerConfig);
    breaker
        .getEventPublisher()
        .onStateTransition(
            e ->
                log.info(
                    "{} endpoint {}: circuit {}{}",
                    backend,
                    name,
                    e.getStateTransition().getToState(),
                    scope.isEmpty() ? "" : " for " + scope));
    int at = scope.indexOf('@');
    Gauge gauge =
        Gauge.builder("mmserve.backend.circuit.state", breaker, EndpointGuard::stateCode)
            .description(
                "Circuit breaker state: 0 closed, 1 open, 2 half-open; per routed model version"
                    + " (model and version empty: the breaker shared by every other call)")
            .tags(
                "backend",
                backend,
                "endpoint",
                name,
                "model",
                at < 0 ? "" : scope.substring(0, at),
                "version",
                at < 0 ? "" : scope.substring(at + 1))
            .register(registry);
    breakers.put(scope, new ScopedBreaker(breaker, gauge));
    return breaker;
  }

  int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }

  /**
   * Why the endpoint cannot take a call now, or null if it can. An open circuit whose open duration
   * has passed moves to half-open here and admits trial calls.
   */
  Refusal refusal(String scope) {
    if (!circuitAdmits(scope)) {
      return Refusal.CIRCUIT_OPEN;
    }
    return bulkhead.getMetrics().getAvailableConcurrentCalls() > 0 ? null : Refusal.BULKHEAD_FULL;
  }

  /** Whether the circuit of {@code scope} lets a call through now (nothing is taken). */
  boolean circuitAdmits(String scope) {
    CircuitBreaker breaker = breaker(scope);
    if (!breaker.tryAcquirePermission()) {
      return false;
    }
    breaker.releasePermission(); // the outcome is recorded when the stream ends
    return true;
  }

  /**
   * Records a call that found no connected replica at all as a failure of this one (unless its
   * circuit is open already), so that circuits open while every replica is down and calls then fail
   * fast with "circuit open".
   */
  void recordUnreachable(String scope, Status status) {
    CircuitBreaker breaker = breaker(scope);
    if (breaker.tryAcquirePermission()) {
      breaker.onError(0, TimeUnit.NANOSECONDS, status.asRuntimeException());
    }
  }

  /**
   * A stream tracer factory for a call picked for this endpoint: it runs {@code inner} (the child
   * policy's own tracer, e.g. least_request's counting) and guards the stream.
   *
   * @param attempts the call's attempts so far, from its options; may be null
   * @param retries counts an attempt that is a retry
   * @param throttle told each attempt's outcome, in the call's scope
   * @param scope whose breaker is told the outcome
   */
  ClientStreamTracer.Factory tracing(
      ClientStreamTracer.Factory inner,
      CallAttempts attempts,
      Runnable retries,
      RetryThrottle throttle,
      String scope) {
    CircuitBreaker breaker = breaker(scope);
    return new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(
          ClientStreamTracer.StreamInfo info, Metadata headers) {
        if (attempts != null) {
          attempts.tried.add(name);
        }
        // grpc gives a balancer's tracer no attempt count; the retry header has it
        if (headers.containsKey(PREVIOUS_ATTEMPTS)) {
          retries.run();
        }
        ClientStreamTracer delegate =
            inner == null ? NO_TRACER : inner.newClientStreamTracer(info, headers);
        return new GuardedStream(delegate, breaker, attempts, throttle, scope);
      }
    };
  }

  /** One stream: its bulkhead permit and its outcome. */
  private final class GuardedStream extends ForwardingClientStreamTracer {
    private final ClientStreamTracer delegate;
    private final CircuitBreaker breaker;
    private final CallAttempts attempts;
    private final RetryThrottle throttle;
    private final String scope;
    private final Instant start = clock.instant();
    // a stream that found the bulkhead full after its pick (a race) goes ahead uncounted
    private final boolean permit = bulkhead.tryAcquirePermission();

    GuardedStream(
        ClientStreamTracer delegate,
        CircuitBreaker breaker,
        CallAttempts attempts,
        RetryThrottle throttle,
        String scope) {
      this.delegate = delegate;
      this.breaker = breaker;
      this.attempts = attempts;
      this.throttle = throttle;
      this.scope = scope;
    }

    @Override
    protected ClientStreamTracer delegate() {
      return delegate;
    }

    @Override
    public void streamClosed(Status status) {
      try {
        super.streamClosed(status);
      } finally {
        if (permit) {
          bulkhead.onComplete();
        }
        record(breaker, status, Duration.between(start, clock.instant()).toNanos());
        throttle.record(scope, status);
        if (attempts != null && !status.isOk()) {
          attempts.failed(status);
        }
      }
    }
  }

  private static void record(CircuitBreaker breaker, Status status, long elapsedNanos) {
    switch (status.getCode()) {
      case UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED ->
          breaker.onError(elapsedNanos, TimeUnit.NANOSECONDS, status.asRuntimeException());
      case CANCELLED -> {
        // the caller went away: no verdict on the endpoint
      }
      // a call that ran out of time counts as a call as slow as it was; the slow-call rate
      // judges it, so callers with short deadlines alone do not open the circuit
      default -> breaker.onSuccess(elapsedNanos, TimeUnit.NANOSECONDS);
    }
  }

  void connectivity(ConnectivityState state) {
    connectivity = state;
  }

  boolean connected() {
    return connectivity == ConnectivityState.READY;
  }

  int inFlight() {
    return maxConcurrentCalls - bulkhead.getMetrics().getAvailableConcurrentCalls();
  }

  /** 0 closed, 1 open, 2 half-open, 3 any other state (disabled, forced open, metrics only). */
  private static int stateCode(CircuitBreaker breaker) {
    return switch (breaker.getState()) {
      case CLOSED -> 0;
      case OPEN -> 1;
      case HALF_OPEN -> 2;
      default -> 3;
    };
  }

  /** Removes the breakers' gauges. */
  synchronized void close() {
    breakers.values().forEach(b -> registry.remove(b.gauge()));
    breakers.clear();
  }

  @Override
  public String toString() {
    return name;
  }
}
