package io.mmserve.cli;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;

/**
 * A stand-in for an mmserve service, run as a child process by {@link LocalStackTest}.
 *
 * <ul>
 *   <li>{@code serve PORT}: serves gRPC health (SERVING) on loopback PORT until SIGTERM, then
 *       prints "fake stopping";
 *   <li>{@code idle}: serves nothing and waits to be stopped;
 *   <li>{@code exit CODE}: prints a line and exits with CODE at once.
 * </ul>
 */
public final class FakeService {
  private FakeService() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("idle")) {
      Thread.currentThread().join(); // never serves; the test stops it
    }
    if (args[0].equals("exit")) {
      System.out.println("fake giving up");
      System.exit(Integer.parseInt(args[1]));
    }
    int port = Integer.parseInt(args[1]);
    HealthStatusManager health = new HealthStatusManager();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(StackPlan.HOST, port))
            .addService(health.getHealthService())
            .build()
            .start();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("fake stopping");
                  server.shutdownNow();
                }));
    System.out.println("fake serving on " + port);
    server.awaitTermination();
  }
}
