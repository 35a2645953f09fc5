package io.mmserve.gateway.resilience;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Deadline;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.kit.client.GrpcChannels;
import io.mmserve.kit.client.NameResolvers;
import io.mmserve.kit.errors.StatusMapper;
import io.mmserve.kit.tracing.Tracing;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The replicas of one backend (text-encoder-svc, vision-encoder-svc or fusion-svc) behind one gRPC
 * channel, and the one way the gateway calls them: {@link #call}. The channel does what gRPC does:
 *
 * <ul>
 *   <li>its name resolver ({@link NameResolvers}) finds the replicas: a fixed list, or a DNS name
 *       resolved again every {@code discoveryRefresh};
 *   <li>its service config ({@link BackendServiceConfig}) chooses among the healthy replicas
 *       (least-request or round-robin, with client-side health checking), and retries UNAVAILABLE
 *       and ABORTED with jittered exponential back-off, honouring {@code grpc-retry-pushback-ms},
 *       within retry throttling and the call's deadline;
 * </ul>
 *
 * and the {@value GuardingLoadBalancerProvider#POLICY} policy adds what gRPC does not: a circuit
 * breaker per replica and routed model version ({@link BreakerScopes}), a bulkhead per replica,
 * least-request, and retries that prefer a replica not tried yet; the pool cuts the reconnect
 * back-off short while a replica is not connected. A call that every replica refuses fails at once
 * with UNAVAILABLE, with a retry hint in {@code grpc-retry-pushback-ms} when the bulkheads are
 * full. Breaker states, connectivity, calls in flight, retries and rejections are meters of the
 * registry.
 */
public final class BackendPool implements AutoCloseable {
  /** The most attempts a retry policy may ask for ({@code retry.max-attempts}' upper bound). */
  public static final int MAX_ATTEMPTS = 10;

  /** Bytes of one call's request kept for its retries; requests are kept by reference anyway. */
  private static final long RETRY_BUFFER_PER_CALL = 1L << 30;

  private static final long RETRY_BUFFER = 1L << 40;

  /**
   * How often the reconnect back-off is cut short while a replica is not connected, so a replica
   * that comes back (or starts after the gateway) is used within this time rather than after gRPC's
   * back-off of up to two minutes.
   */
  static final Duration RECONNECT_INTERVAL = Duration.ofMillis(250);

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of(StatusMapper.RETRY_PUSHBACK_KEY, Metadata.ASCII_STRING_MARSHALLER);

  /** Starts one call on the pool's channel; the pool adds nothing to the call itself. */
  @FunctionalInterface
  public interface Attempt<T> {
    ListenableFuture<T> start(Channel channel, Deadline deadline);
  }

  /** Makes the channel builder of a backend's target. */
  @FunctionalInterface
  public interface ChannelFactory {
    /**
     * @param target the backend's target setting, e.g. {@code host:port,host:port}
     * @param discoveryRefresh how often a {@code dns:///} target is resolved again
     */
    ManagedChannelBuilder<?> builder(String target, Duration discoveryRefresh);

    /**
     * Plaintext channels that accept messages up to {@code maxInboundMessageBytes}, resolving their
     * targets through {@link NameResolvers#standard} and {@code more} resolvers (such as {@code
     * kubernetes:///}).
     */
    static ChannelFactory plaintext(int maxInboundMessageBytes, NameResolverProvider... more) {
      return plaintext(maxInboundMessageBytes, Tracing.off(), more);
    }

    /**
     * As {@link #plaintext(int, NameResolverProvider...)}, with every call traced by {@code
     * tracing}: a client span, child of the current context, and its {@code traceparent}.
     */
    static ChannelFactory plaintext(
        int maxInboundMessageBytes, Tracing tracing, NameResolverProvider... more) {
      return withCredentials(
          maxInboundMessageBytes,
          InsecureChannelCredentials.create(),
          tracing,
          UnaryOperator.identity(),
          more);
    }

    /**
     * As {@link #plaintext(int, Tracing, NameResolverProvider...)}, with these credentials: TLS
     * ({@link io.mmserve.kit.tls.ClientTls#credentials()}) or plaintext, and each builder passed
     * through {@code eventLoops} (such as {@link
     * io.mmserve.kit.server.Startup#onServerEventLoops}).
     */
    static ChannelFactory withCredentials(
        int maxInboundMessageBytes,
        ChannelCredentials credentials,
        Tracing tracing,
        UnaryOperator<ManagedChannelBuilder<?>> eventLoops,
        NameResolverProvider... more) {
      return (target, refresh) -> {
        NameResolverRegistry resolvers = NameResolvers.standard(refresh);
        for (NameResolverProvider provider : more) {
          resolvers.register(provider);
        }
        return tracing.instrument(
            eventLoops.apply(
                GrpcChannels.builder(target, maxInboundMessageBytes, resolvers, credentials)));
      };
    }
  }

  private final String backend;
  private final ResilienceSettings settings;
  private final ScheduledExecutorService scheduler;
  private final BreakerScopes scopes;
  private final EndpointGuards guards;
  private final ManagedChannel channel;
  private final Channel calls;
  private ScheduledFuture<?> reconnects; // guarded by this

  /**
   * As the other constructor, with one breaker per endpoint for every call ({@link
   * BreakerScopes#NONE}).
   */
  public BackendPool(
      String backend,
      String target,
      ResilienceSettings settings,
      ChannelFactory channels,
      ScheduledExecutorService scheduler,
      MeterRegistry registry,
      Clock clock) {
    this(backend, target, settings, channels, scheduler, registry, clock, BreakerScopes.NONE);
  }

  /**
   * @param backend the backend's name in messages and metrics, e.g. "text-encoder-svc"
   * @param target {@code host:port[,host:port...]}, {@code dns:///name:port}, or a target of
   *     another registered resolver
   * @param scheduler runs the reconnect check every {@link #RECONNECT_INTERVAL}; owned by the
   *     caller
   * @param clock times calls for the breakers, and their open state
   * @param scopes which breakers of an endpoint judge a call, from the model it names
   * @throws IllegalArgumentException if the target cannot be parsed
   */
  public BackendPool(
      String backend,
      String target,
      ResilienceSettings settings,
      ChannelFactory channels,
      ScheduledExecutorService scheduler,
      MeterRegistry registry,
      Clock clock,
      BreakerScopes scopes) {
    this.backend = backend;
    this.settings = settings;
    this.scheduler = scheduler;
    this.scopes = scopes;
    this.guards = new EndpointGuards(backend, settings, registry, clock, scopes);
    this.channel =
        channels
            .builder(target, settings.discoveryRefresh())
            .defaultServiceConfig(BackendServiceConfig.of(settings))
            .disableServiceConfigLookUp()
            .enableRetry()
            .maxRetryAttempts(MAX_ATTEMPTS)
            .perRpcBufferLimit(RETRY_BUFFER_PER_CALL)
            .retryBufferSize(RETRY_BUFFER)
            .setNameResolverArg(EndpointGuards.KEY, guards)
            .build();
    this.calls = ClientInterceptors.intercept(channel, new TriedEndpoints());
  }

  /**
   * Resolves the target and connects to the replicas now rather than at the first call, and starts
   * cutting the reconnect back-off of replicas that are not connected short.
   */
  public synchronized void start() {
    channel.getState(true);
    long every = RECONNECT_INTERVAL.toNanos();
    reconnects =
        scheduler.scheduleWithFixedDelay(
            this::reconnectLostReplicas, every, every, TimeUnit.NANOSECONDS);
  }

  /** As the health watch of each replica did before gRPC's health checking replaced it. */
  private void reconnectLostReplicas() {
    if (guards.all().stream().anyMatch(guard -> !guard.connected())) {
      channel.resetConnectBackoff();
    }
  }

  public String backend() {
    return backend;
  }

  /**
   * Calls the backend judged by the shared breakers (see the class comment), for calls that name no
   * model version (gallery-svc's). Cancelling the returned future cancels the call.
   *
   * @param deadline the caller's deadline; retries stay inside it
   * @return the answer, or the call's failure (a {@link StatusRuntimeException}, or the exception a
   *     failing {@link Attempt#start} threw)
   */
  public <T> ListenableFuture<T> call(Deadline deadline, Attempt<T> attempt) {
    return call(BreakerScopes.SHARED, deadline, attempt);
  }

  /**
   * Calls the backend for a request naming {@code model}: the endpoints' breakers of that model's
   * {@link BreakerScopes scope} judge it (a routed version's own, else the shared ones). Cancelling
   * the returned future cancels the call.
   *
   * @param model the model the request names ("", "name" or "name@version")
   * @param deadline the caller's deadline; retries stay inside it
   * @return the answer, or the call's failure (a {@link StatusRuntimeException}, or the exception a
   *     failing {@link Attempt#start} threw)
   */
  public <T> ListenableFuture<T> call(String model, Deadline deadline, Attempt<T> attempt) {
    String scope = scopes.scopeOf(model);
    Channel channel = scope.isEmpty() ? calls : new ScopedChannel(calls, scope);
    ListenableFuture<T> answer;
    try {
      answer = attempt.start(channel, deadline);
    } catch (RuntimeException e) {
      return Futures.immediateFailedFuture(e);
    }
    return Futures.catchingAsync(
        answer,
        StatusRuntimeException.class,
        e -> Futures.immediateFailedFuture(asSeenByCaller(e)),
        MoreExecutors.directExecutor());
  }

  /**
   * A refusal by every endpoint becomes UNAVAILABLE without a cause (so it reads as the gateway's
   * own answer), with the retry hint when the bulkheads were full.
   */
  private StatusRuntimeException asSeenByCaller(StatusRuntimeException e) {
    Status status = e.getStatus();
    if (!(status.getCause() instanceof EndpointRefusedException refused)) {
      return e;
    }
    Metadata trailers = new Metadata();
    if (refused.overloaded()) {
      trailers.put(PUSHBACK, Long.toString(settings.retryPushback().toMillis()));
    }
    return Status.UNAVAILABLE.withDescription(status.getDescription()).asRuntimeException(trailers);
  }

  /** Puts a scope in the call options of every call started on it, for {@link GuardingPicker}. */
  private static final class ScopedChannel extends Channel {
    private final Channel next;
    private final String scope;

    ScopedChannel(Channel next, String scope) {
      this.next = next;
      this.scope = scope;
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
      return next.newCall(method, options.withOption(EndpointGuards.SCOPE, scope));
    }

    @Override
    public String authority() {
      return next.authority();
    }
  }

  /** Gives each call its own {@link CallAttempts}, for {@link GuardingPicker}. */
  private static final class TriedEndpoints implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return next.newCall(method, options.withOption(EndpointGuards.ATTEMPTS, new CallAttempts()));
    }
  }

  /** Closes the channel, letting calls in flight finish for a few seconds, and the meters. */
  @Override
  public void close() throws InterruptedException {
    synchronized (this) {
      if (reconnects != null) {
        reconnects.cancel(false);
      }
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
        channel.shutdownNow();
      }
    } finally {
      guards.close();
    }
  }
}
