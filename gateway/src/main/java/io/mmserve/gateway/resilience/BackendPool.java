package io.mmserve.gateway.resilience;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.kit.errors.StatusMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The replicas of one backend (text-encoder-svc, vision-encoder-svc or fusion-svc) and the one way
 * the gateway calls them: {@link #call}. Each call
 *
 * <ol>
 *   <li>picks an endpoint among the healthy ones (least requests in flight, or round robin); when
 *       none is healthy it tries the others anyway, so their circuit breakers see the failures;
 *   <li>asks that endpoint's circuit breaker and bulkhead for permission; an endpoint with an open
 *       circuit or a full bulkhead is skipped, and when every endpoint refuses, the call fails at
 *       once with UNAVAILABLE (with a retry hint in {@code grpc-retry-pushback-ms} when the
 *       bulkheads are full);
 *   <li>on UNAVAILABLE or ABORTED, retries after a jittered exponential back-off (or the delay the
 *       backend asked for) on an endpoint not tried yet if there is one, while attempts, the retry
 *       budget and the deadline allow.
 * </ol>
 *
 * Endpoints come from a fixed list, or from a DNS name resolved again every {@code
 * discoveryRefresh}. Breaker states, health, retries and rejections are meters of the registry.
 */
public final class BackendPool implements AutoCloseable {

  /** Starts one attempt of a call on a channel; the pool adds nothing to the call itself. */
  @FunctionalInterface
  public interface Attempt<T> {
    ListenableFuture<T> start(Channel channel, Deadline deadline);
  }

  /** Opens the channel of one endpoint address. */
  @FunctionalInterface
  public interface ChannelFactory {
    ManagedChannel open(String address);

    /** Plaintext channels that accept messages up to {@code maxInboundMessageBytes}. */
    static ChannelFactory plaintext(int maxInboundMessageBytes) {
      return address ->
          Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
              .maxInboundMessageSize(maxInboundMessageBytes)
              .build();
    }
  }

  private final String backend;
  private final ResilienceSettings settings;
  private final ScheduledExecutorService scheduler;
  private final MeterRegistry registry;
  private final RetryBudget budget;
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final EndpointSet endpoints;

  /**
   * @param backend the backend's name in messages and metrics, e.g. "text-encoder-svc"
   * @param target {@code host:port[,host:port...]} or {@code dns:///name:port}
   * @throws IllegalArgumentException if the target cannot be parsed
   */
  public BackendPool(
      String backend,
      String target,
      ResilienceSettings settings,
      ChannelFactory channels,
      ScheduledExecutorService scheduler,
      MeterRegistry registry) {
    this.backend = backend;
    this.settings = settings;
    this.scheduler = scheduler;
    this.registry = registry;
    this.budget = new RetryBudget(settings.retry().budgetRatio(), settings.retry().budgetBurst());
    this.endpoints =
        new EndpointSet(backend, Target.parse(target), settings, channels, scheduler, registry);
  }

  /** Resolves the target, opens the endpoints and, for a DNS target, schedules re-resolution. */
  public void start() {
    endpoints.start();
  }

  public String backend() {
    return backend;
  }

  /** The endpoint addresses in use now. */
  public List<String> addresses() {
    return endpoints.current().stream().map(Endpoint::address).toList();
  }

  /** Whether any endpoint is healthy with a circuit that is not open. */
  public boolean anyAvailable() {
    return endpoints.current().stream()
        .anyMatch(e -> e.healthy() && e.breaker().getState() != circuitOpen());
  }

  /**
   * Calls the backend with retries, circuit breaking and a bulkhead (see the class comment).
   * Cancelling the returned future cancels the attempt in flight and any retry.
   *
   * @param deadline the caller's deadline; no attempt starts after it, no back-off crosses it
   * @return the answer, or the last attempt's failure (a {@link StatusRuntimeException}, or the
   *     exception a failing {@link Attempt#start} threw)
   */
  public <T> ListenableFuture<T> call(Deadline deadline, Attempt<T> attempt) {
    SettableFuture<T> result = SettableFuture.create();
    budget.deposit();
    new Call<>(deadline, attempt, result).run();
    return result;
  }

  /** One call through its attempts. */
  private final class Call<T> {
    private final Deadline deadline;
    private final Attempt<T> attempt;
    private final SettableFuture<T> result;
    private final Set<Endpoint> tried = new HashSet<>();
    private int attempts;

    Call(Deadline deadline, Attempt<T> attempt, SettableFuture<T> result) {
      this.deadline = deadline;
      this.attempt = attempt;
      this.result = result;
    }

    void run() {
      if (result.isDone()) {
        return;
      }
      if (deadline.isExpired()) {
        result.setException(
            Status.DEADLINE_EXCEEDED
                .withDescription("deadline exceeded before " + backend + " could be called")
                .asRuntimeException());
        return;
      }
      Lease lease;
      try {
        lease = acquire(tried);
      } catch (StatusRuntimeException refused) {
        result.setException(refused);
        return;
      }
      attempts++;
      tried.add(lease.endpoint);
      ListenableFuture<T> answer;
      try {
        answer = attempt.start(lease.endpoint.channel(), deadline);
      } catch (RuntimeException e) {
        lease.release(Status.fromThrowable(e));
        result.setException(e);
        return;
      }
      result.addListener(
          () -> {
            if (result.isCancelled()) {
              answer.cancel(true);
            }
          },
          MoreExecutors.directExecutor());
      Futures.addCallback(
          answer,
          new FutureCallback<T>() {
            @Override
            public void onSuccess(T value) {
              lease.release(Status.OK);
              result.set(value);
            }

            @Override
            public void onFailure(Throwable t) {
              // a future cancelled by the caller fails with CancellationException, which grpc's
              // fromThrowable calls UNKNOWN; it is no failure of the endpoint
              Status status =
                  t instanceof CancellationException ? Status.CANCELLED : Status.fromThrowable(t);
              lease.release(status);
              if (!retry(status, Status.trailersFromThrowable(t))) {
                result.setException(
                    t instanceof StatusRuntimeException ? t : status.asRuntimeException());
              }
            }
          },
          MoreExecutors.directExecutor());
    }

    /** Schedules the next attempt if the failure, attempts, budget and deadline allow it. */
    private boolean retry(Status status, Metadata trailers) {
      Status.Code code = status.getCode();
      if ((code != Status.Code.UNAVAILABLE && code != Status.Code.ABORTED)
          || result.isDone()
          || attempts >= settings.retry().maxAttempts()) {
        return false;
      }
      OptionalLong pushback = StatusMapper.retryPushbackMillis(trailers);
      if (pushback.isPresent() && pushback.getAsLong() < 0) {
        countRetry("refused_by_backend");
        return false;
      }
      long delay =
          pushback.isPresent()
              ? TimeUnit.MILLISECONDS.toNanos(pushback.getAsLong())
              : settings.retry().backoffNanos(attempts, ThreadLocalRandom.current().nextDouble());
      if (deadline.timeRemaining(TimeUnit.NANOSECONDS) <= delay) {
        countRetry("past_deadline");
        return false;
      }
      if (!budget.tryWithdraw()) {
        countRetry("budget_exhausted");
        return false;
      }
      countRetry("retried");
      try {
        scheduler.schedule(this::run, delay, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException stopping) {
        return false;
      }
      return true;
    }
  }

  /** Permission to call one endpoint, to be released once with the call's outcome. */
  private final class Lease {
    final Endpoint endpoint;
    final long startNanos = System.nanoTime();

    Lease(Endpoint endpoint) {
      this.endpoint = endpoint;
    }

    void release(Status status) {
      long elapsed = System.nanoTime() - startNanos;
      endpoint.inFlight().decrementAndGet();
      endpoint.bulkhead().onComplete();
      switch (status.getCode()) {
        case UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED ->
            endpoint.breaker().onError(elapsed, TimeUnit.NANOSECONDS, status.asRuntimeException());
        case CANCELLED -> endpoint.breaker().releasePermission();
        // a call that ran out of time counts as a call as slow as it was; the slow-call rate
        // judges it, so callers with short deadlines alone do not open the circuit
        default -> endpoint.breaker().onSuccess(elapsed, TimeUnit.NANOSECONDS);
      }
    }
  }

  private Lease acquire(Set<Endpoint> tried) {
    List<Endpoint> all = endpoints.current();
    if (all.isEmpty()) {
      reject("no_endpoints");
      throw Status.UNAVAILABLE
          .withDescription(backend + " is unavailable: no endpoint resolved for its target")
          .asRuntimeException();
    }
    List<Endpoint> healthy = all.stream().filter(Endpoint::healthy).toList();
    List<Endpoint> order = order(healthy.isEmpty() ? all : healthy);
    order.sort(Comparator.comparing(tried::contains)); // stable: untried first
    List<String> refusals = new ArrayList<>();
    boolean full = false;
    for (Endpoint e : order) {
      if (!e.breaker().tryAcquirePermission()) {
        refusals.add(e.address() + " circuit open");
        continue;
      }
      if (!e.bulkhead().tryAcquirePermission()) {
        e.breaker().releasePermission();
        refusals.add(
            e.address()
                + " at its limit of "
                + settings.bulkheadMaxConcurrentCalls()
                + " concurrent calls");
        full = true;
        continue;
      }
      e.inFlight().incrementAndGet();
      return new Lease(e);
    }
    if (full) {
      reject("bulkhead_full");
      Metadata trailers = new Metadata();
      trailers.put(
          Metadata.Key.of(StatusMapper.RETRY_PUSHBACK_KEY, Metadata.ASCII_STRING_MARSHALLER),
          Long.toString(settings.retryPushback().toMillis()));
      throw Status.UNAVAILABLE
          .withDescription(backend + " is overloaded: " + String.join(", ", refusals))
          .asRuntimeException(trailers);
    }
    reject("circuit_open");
    throw Status.UNAVAILABLE
        .withDescription(
            backend
                + " is unavailable: circuit open for every endpoint ("
                + String.join(", ", refusals)
                + (healthy.isEmpty() ? "; none is healthy" : "")
                + ")")
        .asRuntimeException();
  }

  private List<Endpoint> order(List<Endpoint> pool) {
    List<Endpoint> order = new ArrayList<>(pool);
    if (settings.loadBalancing() == ResilienceSettings.LoadBalancing.ROUND_ROBIN) {
      Collections.rotate(order, -Math.floorMod(roundRobin.getAndIncrement(), order.size()));
    } else {
      Collections.shuffle(order, ThreadLocalRandom.current());
      order.sort(Comparator.comparingInt(e -> e.inFlight().get()));
    }
    return order;
  }

  private void countRetry(String outcome) {
    Counter.builder("mmserve.backend.retries")
        .description("Retry decisions on failed backend calls")
        .tags("backend", backend, "outcome", outcome)
        .register(registry)
        .increment();
  }

  private void reject(String reason) {
    Counter.builder("mmserve.backend.rejected")
        .description("Backend calls refused before they were sent")
        .tags("backend", backend, "reason", reason)
        .register(registry)
        .increment();
  }

  private static io.github.resilience4j.circuitbreaker.CircuitBreaker.State circuitOpen() {
    return io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN;
  }

  /** Closes every endpoint's channel, letting calls in flight finish for a few seconds. */
  @Override
  public void close() throws InterruptedException {
    endpoints.close();
  }
}
