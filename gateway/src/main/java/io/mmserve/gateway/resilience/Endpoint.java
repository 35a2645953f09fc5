package io.mmserve.gateway.resilience;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica of a backend: its own channel, circuit breaker and bulkhead, and its health as the
 * replica reports it through a gRPC health {@code Watch} stream. The stream tells at once when the
 * replica goes NOT_SERVING (it is stopping) and breaks when the process dies, so a dead replica is
 * marked unhealthy within milliseconds; while it is unhealthy the watch is reopened every {@link
 * #REWATCH_DELAY}, with the channel's reconnect back-off reset, so a replica that comes back is
 * used again within that delay.
 */
final class Endpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Endpoint.class);
  static final Duration REWATCH_DELAY = Duration.ofMillis(250);

  private final String backend;
  private final String address;
  private final ManagedChannel channel;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;
  private final ScheduledExecutorService scheduler;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean healthy = true;
  private volatile boolean closed;
  private volatile Context.CancellableContext watch;

  /**
   * @param channel the endpoint's own channel, owned by the endpoint from now on
   */
  Endpoint(
      String backend,
      String address,
      ManagedChannel channel,
      ResilienceSettings settings,
      ScheduledExecutorService scheduler) {
    this.backend = backend;
    this.address = address;
    this.scheduler = scheduler;
    this.channel = channel;
    ResilienceSettings.BreakerSettings b = settings.breaker();
    this.breaker =
        CircuitBreaker.of(
            backend + "@" + address,
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
                .build());
    breaker
        .getEventPublisher()
        .onStateTransition(
            e ->
                log.info(
                    "{} endpoint {}: circuit {}",
                    backend,
                    address,
                    e.getStateTransition().getToState()));
    this.bulkhead =
        Bulkhead.of(
            backend + "@" + address,
            BulkheadConfig.custom()
                .maxConcurrentCalls(settings.bulkheadMaxConcurrentCalls())
                .maxWaitDuration(Duration.ZERO)
                .build());
  }

  /** Opens the health watch. */
  void start() {
    watchHealth();
  }

  String address() {
    return address;
  }

  ManagedChannel channel() {
    return channel;
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  Bulkhead bulkhead() {
    return bulkhead;
  }

  AtomicInteger inFlight() {
    return inFlight;
  }

  boolean healthy() {
    return healthy;
  }

  /** 0 closed, 1 open, 2 half-open, 3 any other state (disabled, forced open, metrics only). */
  int circuitStateCode() {
    return switch (breaker.getState()) {
      case CLOSED -> 0;
      case OPEN -> 1;
      case HALF_OPEN -> 2;
      default -> 3;
    };
  }

  private void watchHealth() {
    if (closed) {
      return;
    }
    Context.CancellableContext context = Context.current().fork().withCancellation();
    watch = context;
    context.run(
        () ->
            HealthGrpc.newStub(channel)
                .watch(
                    HealthCheckRequest.newBuilder().setService("").build(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(HealthCheckResponse response) {
                        setHealthy(
                            response.getStatus() == HealthCheckResponse.ServingStatus.SERVING,
                            response.getStatus().name());
                      }

                      @Override
                      public void onError(Throwable t) {
                        Status status = Status.fromThrowable(t);
                        if (status.getCode() == Status.Code.UNIMPLEMENTED) {
                          // a backend without the health service: judged by its calls alone
                          setHealthy(true, "no health service");
                          return;
                        }
                        setHealthy(false, status.getCode().name());
                        rewatch(context);
                      }

                      @Override
                      public void onCompleted() {
                        setHealthy(false, "health stream ended");
                        rewatch(context);
                      }
                    }));
  }

  private void rewatch(Context.CancellableContext previous) {
    previous.cancel(null);
    if (closed) {
      return;
    }
    try {
      scheduler.schedule(
          () -> {
            channel.resetConnectBackoff();
            watchHealth();
          },
          REWATCH_DELAY.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the gateway is stopping
    }
  }

  private void setHealthy(boolean now, String why) {
    boolean before = healthy;
    healthy = now;
    if (before != now) {
      log.info("{} endpoint {} is {} ({})", backend, address, now ? "healthy" : "unhealthy", why);
    }
  }

  /** Stops the health watch and shuts the channel down (calls in flight may finish). */
  @Override
  public void close() {
    closed = true;
    Context.CancellableContext current = watch;
    if (current != null) {
      current.cancel(null);
    }
    channel.shutdown();
  }

  /** Waits for the channel to terminate, then forces it. */
  void awaitClosed(Duration wait) throws InterruptedException {
    if (!channel.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS)) {
      channel.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return address;
  }
}
