package io.mmserve.kit.server;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.kit.client.AliasingMarshaller;
import io.mmserve.kit.errors.ExceptionMappingInterceptor;
import io.mmserve.kit.tracing.Tracing;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC server with what every mmserve server has: the given services, gRPC health, server
 * reflection, exception-to-status mapping, request logging, request metrics, an explicit maximum
 * inbound message size, a bound on the request bytes held at once ({@link InboundBytes}), and a
 * graceful shutdown.
 *
 * <p>Health reports {@code NOT_SERVING} until {@link #start()}, {@code SERVING} after it (for the
 * whole server, "", and for each service by name), and {@code NOT_SERVING} again from the first
 * step of {@link #stop()}. With {@link #followReadiness}, it also reports {@code NOT_SERVING} while
 * a dependency is not ready (an encoder's Triton), for Check and for Watch streams alike, so
 * clients that watch health (the gateway) route around the server.
 *
 * <p>Tests pass an in-process builder and a scheduler they drive; {@link ServiceRunner} passes a
 * Netty builder ({@link #nettyBuilder}) and a daemon scheduler it owns.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);
  private static final Duration FORCED_STOP_WAIT = Duration.ofSeconds(5);

  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();
  private final List<String> serviceNames = new ArrayList<>();
  private final Duration shutdownGrace;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile boolean serving;
  private final ScheduledExecutorService scheduler;
  private ScheduledFuture<?> readinessPoll;
  private volatile boolean dependencyReady = true;
  private final InboundBytes inboundBytes;
  private final int maxInboundMessageBytes;

  /**
   * A server that cannot {@link #followReadiness}: it has no scheduler to poll on.
   *
   * @see #GrpcServer(ServerBuilder, List, ServerConfig, MeterRegistry, ScheduledExecutorService)
   */
  public GrpcServer(
      ServerBuilder<?> builder,
      List<? extends BindableService> services,
      ServerConfig config,
      MeterRegistry registry) {
    this(builder, services, config, registry, null);
  }

  /**
   * Configures {@code builder} and builds the server; nothing listens until {@link #start()}.
   *
   * @param builder a fresh server builder; this class adds services and interceptors to it
   * @param services the application's services
   * @param config max inbound message size, bound on request bytes in flight and shutdown grace are
   *     taken from here
   * @param registry where request metrics go
   * @param scheduler where {@link #followReadiness} polls; owned by the caller, who shuts it down
   *     (this server only cancels its poll on {@link #stop()}); null if it is never called
   */
  public GrpcServer(
      ServerBuilder<?> builder,
      List<? extends BindableService> services,
      ServerConfig config,
      MeterRegistry registry,
      ScheduledExecutorService scheduler) {
    this(builder, services, config, registry, scheduler, Tracing.off());
  }

  /**
   * As {@link #GrpcServer(ServerBuilder, List, ServerConfig, MeterRegistry,
   * ScheduledExecutorService)}, with each call traced by {@code tracing} (owned by the caller).
   */
  public GrpcServer(
      ServerBuilder<?> builder,
      List<? extends BindableService> services,
      ServerConfig config,
      MeterRegistry registry,
      ScheduledExecutorService scheduler,
      Tracing tracing) {
    this.scheduler = scheduler;
    this.shutdownGrace = config.shutdownGrace();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
    for (BindableService service : services) {
      // requests' bytes fields (images, tensors) stay views of the array the request was read into
      ServerServiceDefinition definition =
          AliasingMarshaller.aliasingRequests(service.bindService());
      serviceNames.add(definition.getServiceDescriptor().getName());
      builder.addService(definition);
    }
    this.maxInboundMessageBytes = config.maxInboundMessageBytes();
    this.inboundBytes =
        new InboundBytes(config.maxInboundBytesInFlight(), InboundBytes.defaultCeiling(), registry);
    builder
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .maxInboundMessageSize(config.maxInboundMessageBytes())
        .addStreamTracerFactory(inboundBytes);
    standardInterceptors(registry, tracing).forEach(builder::intercept);
    this.server = builder.build();
  }

  /**
   * The interceptors every mmserve server runs its services behind, in the order to add them (they
   * run in reverse order of adding): the exception mapper innermost, so the metrics and the request
   * log outside it see the mapped status. Another transport of the same services (the gateway's
   * HTTP/JSON) adds the same ones.
   */
  public static List<ServerInterceptor> standardInterceptors(MeterRegistry registry) {
    return standardInterceptors(registry, Tracing.off());
  }

  /**
   * As {@link #standardInterceptors(MeterRegistry)}, with {@code tracing}'s server interceptor
   * outermost: the call's span is current for the others, and the request log names its trace.
   */
  public static List<ServerInterceptor> standardInterceptors(
      MeterRegistry registry, Tracing tracing) {
    List<ServerInterceptor> interceptors = new ArrayList<>();
    interceptors.add(new ExceptionMappingInterceptor());
    interceptors.add(new MetricsInterceptor(registry));
    interceptors.add(new RequestLoggingInterceptor());
    interceptors.addAll(tracing.serverInterceptors());
    return List.copyOf(interceptors);
  }

  /**
   * A Netty server builder bound to the configured gRPC host and port, with the default {@link
   * ConnectionLimits}.
   */
  public static ServerBuilder<?> nettyBuilder(ServerConfig config) {
    return nettyBuilder(config, ConnectionLimits.standard());
  }

  /** A Netty server builder bound to the configured gRPC host and port, with these limits. */
  public static ServerBuilder<?> nettyBuilder(ServerConfig config, ConnectionLimits limits) {
    return nettyBuilder(config, limits, InsecureServerCredentials.create());
  }

  /**
   * A Netty server builder bound to the configured gRPC host and port, with these limits and
   * credentials: plaintext ({@link InsecureServerCredentials}) or TLS ({@link
   * io.mmserve.kit.tls.ServerTls#credentials()}). The handshake timeout of the limits bounds the
   * TLS handshake: a connection that sends nothing is closed when it expires.
   */
  public static ServerBuilder<?> nettyBuilder(
      ServerConfig config, ConnectionLimits limits, ServerCredentials credentials) {
    return limits.applyTo(
        NettyServerBuilder.forAddress(
            new InetSocketAddress(config.grpcHost(), config.grpcPort()), credentials));
  }

  /**
   * As {@link #nettyBuilder(ServerConfig, ConnectionLimits, ServerCredentials)}, on the event
   * loops, channel type and call executor of {@code transport} (owned by the caller, who closes it
   * after the server has stopped).
   */
  public static ServerBuilder<?> nettyBuilder(
      ServerConfig config,
      ConnectionLimits limits,
      ServerCredentials credentials,
      NettyTransport transport) {
    return transport.applyTo(
        limits.applyTo(
            NettyServerBuilder.forAddress(
                new InetSocketAddress(config.grpcHost(), config.grpcPort()), credentials)));
  }

  /** Starts listening and reports SERVING (unless a followed dependency is not ready). */
  public GrpcServer start() throws IOException {
    server.start();
    serving = true;
    publishHealth();
    log.info(
        "gRPC server started on port {} serving {}; request bytes in flight at most {} ({}),"
            + " one request at most {} (a third of direct memory) and {} ({})",
        server.getPort(),
        serviceNames,
        inboundBytes.limit(),
        InboundBytes.KEY,
        inboundBytes.ceiling(),
        maxInboundMessageBytes,
        ServerConfig.MAX_INBOUND_MESSAGE_SIZE);
    return this;
  }

  /**
   * Polls {@code ready} every {@code interval} (the first poll at once) on the scheduler and
   * reports health NOT_SERVING while it is false, for Check and Watch alike (SERVING again once it
   * is true and the server is started). A poll that throws counts as not ready. Call at most once,
   * before or after {@link #start()}; {@code ready} must return within a bounded time.
   *
   * @throws IllegalStateException if called a second time, or the server was built without a
   *     scheduler
   */
  public synchronized GrpcServer followReadiness(BooleanSupplier ready, Duration interval) {
    if (scheduler == null) {
      throw new IllegalStateException("followReadiness needs a server built with a scheduler");
    }
    if (readinessPoll != null) {
      throw new IllegalStateException("followReadiness was already called");
    }
    readinessPoll =
        scheduler.scheduleWithFixedDelay(
            () -> pollReadiness(ready), 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    return this;
  }

  private void pollReadiness(BooleanSupplier ready) {
    boolean now;
    try {
      now = ready.getAsBoolean();
    } catch (RuntimeException e) {
      now = false;
    }
    if (now != dependencyReady) {
      log.info(
          "dependency {}: health {}", now ? "ready" : "not ready", now ? "SERVING" : "NOT_SERVING");
    }
    dependencyReady = now;
    publishHealth();
  }

  private synchronized void publishHealth() {
    if (stopping.get() || !serving) {
      return;
    }
    ServingStatus status = dependencyReady ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    serviceNames.forEach(name -> health.setStatus(name, status));
  }

  /** The port the server listens on (the real one when configured with 0); -1 if not bound. */
  public int port() {
    return server.getPort();
  }

  /**
   * True between {@link #start()} and the first step of {@link #stop()}, while a followed
   * dependency, if any, was ready at its last poll.
   */
  public boolean isServing() {
    return serving && dependencyReady;
  }

  /**
   * Stops gracefully, once; later calls return at once. In order: health goes NOT_SERVING, new
   * calls are refused, in-flight calls get the shutdown grace to finish, then the rest are
   * cancelled. Restores the interrupt flag if interrupted while waiting.
   */
  public void stop() {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    synchronized (this) {
      serving = false;
      health.enterTerminalState();
      if (readinessPoll != null) {
        readinessPoll.cancel(false);
      }
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(shutdownGrace.toNanos(), TimeUnit.NANOSECONDS)) {
        log.warn("calls still running after the {} grace period; cancelling them", shutdownGrace);
        server.shutdownNow();
        server.awaitTermination(FORCED_STOP_WAIT.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.info("gRPC server stopped");
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** Blocks until the server has terminated (after {@link #stop()} from another thread). */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }
}
