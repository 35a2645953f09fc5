package io.mmserve.gateway;

import io.grpc.ManagedChannel;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mmserve.kit.client.GrpcChannels;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.server.AdminHttpServer;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.kit.server.ShutdownHook;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Starts the gateway: reads the config once, opens the encoder channels, serves {@code
 * mmserve.v1.Multimodal} with health and reflection, and the admin endpoint. Stops on SIGINT or
 * SIGTERM: the gRPC server first (in-flight calls finish), then the admin server, then the
 * channels.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);
  private static final Duration CHANNEL_CLOSE_WAIT = Duration.ofSeconds(5);

  private Main() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Config config;
    ServerConfig serverConfig;
    GatewayConfig gatewayConfig;
    try {
      config = ConfigLoader.load(GatewayConfig.defaults(), args, System.getenv());
      serverConfig = ServerConfig.from(config);
      gatewayConfig = GatewayConfig.from(config);
    } catch (ConfigException e) {
      System.err.println("gateway: " + e.getMessage());
      System.exit(2);
      return;
    }
    log.info("gateway config:\n{}", config);

    ManagedChannel text =
        GrpcChannels.plaintext(
            gatewayConfig.textEncoderTarget(), gatewayConfig.maxInboundMessageBytes());
    ManagedChannel vision =
        GrpcChannels.plaintext(
            gatewayConfig.visionEncoderTarget(), gatewayConfig.maxInboundMessageBytes());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MultimodalService service =
        new MultimodalService(
            text, vision, gatewayConfig.limits(), gatewayConfig.defaultDeadline());
    GrpcServer server =
        new GrpcServer(
            GrpcServer.nettyBuilder(serverConfig), List.of(service), serverConfig, registry);
    AdminHttpServer admin = new AdminHttpServer(serverConfig, registry, server::isServing);

    server.start();
    admin.start();
    ShutdownHook.install(
        "gateway", server, admin, () -> close(text), () -> close(vision), registry::close);
    exitNormallyOnSignals();
    log.info(
        "gateway serving on {}:{} (admin on {}:{}; text encoder {}, vision encoder {})",
        serverConfig.grpcHost(),
        server.port(),
        serverConfig.adminHost(),
        admin.port(),
        gatewayConfig.textEncoderTarget(),
        gatewayConfig.visionEncoderTarget());
    server.awaitTermination();
  }

  /**
   * A stop request is the normal end of a server, so SIGTERM and SIGINT exit with status 0 (the
   * JVM's default is 128 + signal) after the shutdown hook has stopped everything; the encoder
   * services do the same.
   */
  private static void exitNormallyOnSignals() {
    for (String name : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(name), signal -> System.exit(0));
      } catch (IllegalArgumentException e) {
        log.debug("cannot handle SIG{}; the JVM's default applies", name, e);
      }
    }
  }

  private static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(CHANNEL_CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
      channel.shutdownNow();
    }
  }
}
