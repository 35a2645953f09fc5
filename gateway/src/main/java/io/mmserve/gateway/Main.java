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

/**
 * Starts the gateway: reads the config once, opens the encoder and fusion channels, serves {@code
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
    ManagedChannel fusion =
        GrpcChannels.plaintext(
            gatewayConfig.fusionTarget(), gatewayConfig.maxInboundMessageBytes());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MultimodalService service =
        new MultimodalService(
            new Backends(text, vision, fusion, gatewayConfig.defaultDeadline()),
            new LabelEmbeddingCache(gatewayConfig.labelEmbeddingCacheEntries(), registry),
            gatewayConfig.limits());
    GrpcServer server =
        new GrpcServer(
            GrpcServer.nettyBuilder(serverConfig), List.of(service), serverConfig, registry);
    AdminHttpServer admin = new AdminHttpServer(serverConfig, registry, server::isServing);

    server.start();
    admin.start();
    ShutdownHook.install(
        "gateway",
        server,
        admin,
        () -> close(text),
        () -> close(vision),
        () -> close(fusion),
        registry::close);
    ShutdownHook.exitNormallyOnStopSignals();
    log.info(
        "gateway serving on {}:{} (admin on {}:{}; text encoder {}, vision encoder {}, fusion {})",
        serverConfig.grpcHost(),
        server.port(),
        serverConfig.adminHost(),
        admin.port(),
        gatewayConfig.textEncoderTarget(),
        gatewayConfig.visionEncoderTarget(),
        gatewayConfig.fusionTarget());
    server.awaitTermination();
  }

  private static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(CHANNEL_CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
      channel.shutdownNow();
    }
  }
}
