package io.mmserve.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.server.AdminHttpServer;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.kit.server.ShutdownHook;
import java.io.IOException;
import java.util.List;
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

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    BackendStack backends =
        new BackendStack(
            gatewayConfig,
            BackendPool.ChannelFactory.plaintext(gatewayConfig.maxInboundMessageBytes()),
            registry);
    MultimodalService service =
        new MultimodalService(
            backends.backends,
            new LabelEmbeddingCache(gatewayConfig.labelEmbeddingCacheEntries(), registry),
            gatewayConfig.limits());
    GrpcServer server =
        new GrpcServer(
            GrpcServer.nettyBuilder(serverConfig), List.of(service), serverConfig, registry);
    AdminHttpServer admin = new AdminHttpServer(serverConfig, registry, server::isServing);

    server.start();
    admin.start();
    ShutdownHook.install("gateway", server, admin, backends, registry::close);
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
}
