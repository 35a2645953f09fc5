package io.mmserve.kit.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.kit.errors.ExceptionMappingInterceptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC server with what every mmserve server has: the given services, gRPC health, server
 * reflection, exception-to-status mapping, request logging, request metrics, an explicit maximum
 * inbound message size, and a graceful shutdown.
 *
 * <p>Health reports {@code NOT_SERVING} until {@link #start()}, {@code SERVING} after it (for the
 * whole server, "", and for each service by name), and {@code NOT_SERVING} again from the first
 * step of {@link #stop()}.
 *
 * <p>Tests pass an in-process builder; {@code Main} passes {@link #nettyBuilder(ServerConfig)}.
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

  /**
   * Configures {@code builder} and builds the server; nothing listens until {@link #start()}.
   *
   * @param builder a fresh server builder; this class adds services and interceptors to it
   * @param services the application's services
   * @param config max inbound message size and shutdown grace are taken from here
   * @param registry where request metrics go
   */
  public GrpcServer(
      ServerBuilder<?> builder,
      List<? extends BindableService> services,
      ServerConfig config,
      MeterRegistry registry) {
    this.shutdownGrace = config.shutdownGrace();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
    for (BindableService service : services) {
      ServerServiceDefinition definition = service.bindService();
      serviceNames.add(definition.getServiceDescriptor().getName());
      builder.addService(definition);
    }
    builder
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .maxInboundMessageSize(config.maxInboundMessageBytes())
        // Interceptors run in reverse order of adding: the mapper is innermost, so the metrics and
        // the log outside it see the mapped status.
        .intercept(new ExceptionMappingInterceptor())
        .intercept(new MetricsInterceptor(registry))
        .intercept(new RequestLoggingInterceptor());
    this.server = builder.build();
  }

  /** A Netty server builder bound to the configured gRPC host and port. */
  public static ServerBuilder<?> nettyBuilder(ServerConfig config) {
    return NettyServerBuilder.forAddress(
        new InetSocketAddress(config.grpcHost(), config.grpcPort()));
  }

  /** Starts listening and reports SERVING. */
  public GrpcServer start() throws IOException {
    server.start();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    serviceNames.forEach(name -> health.setStatus(name, ServingStatus.SERVING));
    serving = true;
    log.info("gRPC server started on port {} serving {}", server.getPort(), serviceNames);
    return this;
  }

  /** The port the server listens on (the real one when configured with 0); -1 if not bound. */
  public int port() {
    return server.getPort();
  }

  /** True between {@link #start()} and the first step of {@link #stop()}. */
  public boolean isServing() {
    return serving;
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
    serving = false;
    health.enterTerminalState();
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
