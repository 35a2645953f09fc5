package io.mmserve.bench;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mmserve.kit.server.ConnectionLimits;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.NettyTransport;
import io.mmserve.kit.server.ServerConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * A gRPC server with no service of its own, for the floor of a unary call ({@code
 * bench/grpc_floor.sh}): it answers grpc.health.v1.Health/Check and nothing else.
 *
 * <pre>
 * java -cp bench/jmh/target/benchmarks.jar io.mmserve.bench.FloorServer bare|kit PORT
 * </pre>
 *
 * {@code bare}: grpc-java's Netty server as it comes (its own event loops and call pool) with the
 * health service. {@code kit}: mmserve's {@link GrpcServer} as every service builds it (health and
 * reflection, the exception mapper, request metrics and log, the bound on request bytes, the
 * connection limits, the transport's event loops), with no application service. Runs until killed.
 */
public final class FloorServer {
  private FloorServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !List.of("bare", "kit").contains(args[0])) {
      System.err.println("usage: FloorServer bare|kit PORT");
      System.exit(2);
    }
    int port = Integer.parseInt(args[1]);
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
    if (args[0].equals("bare")) {
      HealthStatusManager health = new HealthStatusManager();
      Server server =
          NettyServerBuilder.forAddress(address)
              .addService(health.getHealthService())
              .build()
              .start();
      System.out.println("floor server bare on " + server.getPort());
      server.awaitTermination();
    } else {
      ServerConfig config =
          new ServerConfig("127.0.0.1", port, "127.0.0.1", 0, 16 << 20, Duration.ofSeconds(1));
      NettyTransport transport = NettyTransport.open(NettyTransport.Settings.standard());
      GrpcServer server =
          new GrpcServer(
                  GrpcServer.nettyBuilder(
                      config,
                      ConnectionLimits.standard(),
                      InsecureServerCredentials.create(),
                      transport),
                  List.of(),
                  config,
                  new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
              .start();
      System.out.println("floor server kit on " + server.port());
      Thread.currentThread().join();
    }
  }
}
