package io.mmserve.fusion;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mmserve.fusion.model.FusionEngine;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.config.Config;
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
 * Starts fusion-svc: reads the config once, loads the packs' fusion weights (checked against each
 * manifest), and serves {@code mmserve.fusion.v1.Fusion} with health and reflection, plus the admin
 * endpoint. When ready it logs {@code "fusion-svc serving on HOST:PORT"} with the bound port
 * ({@code --grpc.port=0} picks a free one).
 *
 * <p>On SIGTERM or SIGINT it exits with status 0 after stopping the gRPC server (in-flight calls
 * finish within {@code shutdown.grace}), the admin server and the match workers. A bad config exits
 * with status 2, a pack that cannot be loaded with status 1.
 */
public final class Main {
  static final String SERVICE = "fusion-svc";

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Config config;
    ServerConfig serverConfig;
    FusionConfig settings;
    try {
      config = ConfigLoader.load(FusionConfig.defaults(), args, System.getenv());
      serverConfig = ServerConfig.from(config);
      settings = FusionConfig.from(config);
    } catch (IllegalArgumentException e) { // a ConfigException, or a config record refusing a value
      System.err.println(SERVICE + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    log.info("{} config:\n{}", SERVICE, config);

    FusionEngine engine;
    try {
      engine =
          new FusionEngine(
              ModelRegistry.load(settings.packs()), settings.limits(), settings.matchThreads());
    } catch (ModelPackException e) {
      log.error("{}: cannot load the model packs: {}", SERVICE, e.getMessage());
      System.exit(1);
      return;
    }

    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GrpcServer server =
        new GrpcServer(
            GrpcServer.nettyBuilder(serverConfig),
            List.of(new FusionService(engine)),
            serverConfig,
            meters);
    AdminHttpServer admin = new AdminHttpServer(serverConfig, meters, server::isServing);
    ShutdownHook.install(SERVICE, server, admin, engine, meters::close);
    ShutdownHook.exitNormallyOnStopSignals();
    server.start();
    admin.start();
    log.info(
        "{} serving on {}:{} (admin on {}:{})",
        SERVICE,
        serverConfig.grpcHost(),
        server.port(),
        serverConfig.adminHost(),
        admin.port());
    server.awaitTermination();
  }
}
