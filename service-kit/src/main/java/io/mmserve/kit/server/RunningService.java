package io.mmserve.kit.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service built by {@link ServiceRunner}: its gRPC and admin servers and everything else it owns,
 * stopped once, in order.
 */
final class RunningService {
  private static final Logger log = LoggerFactory.getLogger(RunningService.class);

  private final String name;
  private final GrpcServer grpc;
  private final AdminHttpServer admin;
  private final List<Transport> transports;
  private final List<AutoCloseable> closingOrder;
  private final AtomicBoolean stopped = new AtomicBoolean();

  /**
   * @param transports the service's other ways in, started before gRPC, stopped with it
   * @param owned everything to close on stop, from the head: the gRPC server, the transports, the
   *     admin server, then what the service built (last built first), then the meters
   */
  RunningService(
      String name,
      GrpcServer grpc,
      AdminHttpServer admin,
      List<Transport> transports,
      Deque<AutoCloseable> owned) {
    this.name = name;
    this.grpc = grpc;
    this.admin = admin;
    this.transports = List.copyOf(transports);
    this.closingOrder = new ArrayList<>(owned);
  }

  /**
   * Starts listening on every port and logs {@code "NAME serving on HOST:PORT"}. The gRPC server
   * starts last: its health turns SERVING only once the other transports and the admin port are
   * bound, so whoever waits for SERVING (the launcher, a readiness probe) can call every port.
   */
  void listen(ServerConfig config) throws IOException {
    StringBuilder others = new StringBuilder();
    for (Transport transport : transports) {
      transport.start();
      others.append(", ").append(transport.describe());
    }
    admin.start();
    grpc.start();
    log.info(
        "{} serving on {}:{} (admin on {}:{}{})",
        name,
        config.grpcHost(),
        grpc.port(),
        config.adminHost(),
        admin.port(),
        others);
  }

  /**
   * Stops once; later calls return at once. The gRPC server first (health NOT_SERVING, {@code
   * shutdown()}, {@code awaitTermination(grace)}, {@code shutdownNow()}), then the admin server,
   * then what the service built in reverse, then the meters. The other transports begin their
   * graceful stop first, so they drain while gRPC does. A failure to close one is logged and the
   * next still closes.
   */
  void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    for (Transport transport : transports) {
      try {
        transport.beginStop();
      } catch (RuntimeException e) {
        log.warn("{}: could not begin stopping {}", name, transport.describe(), e);
      }
    }
    ShutdownHook.closeAll(closingOrder); // the JVM hook logs "stopping" and "stopped" around it
  }

  /** Blocks until the gRPC server has terminated, after {@link #stop()} on another thread. */
  void awaitTermination() throws InterruptedException {
    grpc.awaitTermination();
  }

  GrpcServer grpc() {
    return grpc;
  }

  AdminHttpServer admin() {
    return admin;
  }
}
