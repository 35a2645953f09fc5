package io.mmserve.text;

import io.grpc.ServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.batch.BatcherConfig;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.server.AdminHttpServer;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.kit.server.ShutdownHook;
import io.mmserve.text.encoder.TextEncoder;
import io.mmserve.text.tokenizer.DjlNatives;
import io.mmserve.triton.BackendSettings;
import io.mmserve.triton.ReadinessHealthInterceptor;
import io.mmserve.triton.TritonStartupException;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts text-encoder-svc: reads the config once, loads the model packs, their tokenizers and ONNX
 * sessions (or connects to Triton: {@code backend=triton}), and serves {@code
 * mmserve.encoder.v1.TextEncoder} with health and reflection, plus the admin endpoint. When ready
 * it logs {@code "text-encoder-svc serving on HOST:PORT"} with the bound port (the launcher and the
 * integration test read it; {@code --grpc.port=0} picks a free one).
 *
 * <p>On SIGTERM or SIGINT it exits with status 0 after stopping in order: the gRPC server (health
 * NOT_SERVING, in-flight calls finish within {@code shutdown.grace}), the admin server, the
 * batchers (queued texts finish), the backend. A bad config exits with status 2, a pack that cannot
 * be loaded or a Triton that does not serve the pack's models with status 1. With Triton, health
 * Check and /healthz report NOT_SERVING while Triton's models are not ready.
 */
public final class Main {
  private static final java.time.Duration READINESS_POLL = java.time.Duration.ofMillis(500);
  static final String SERVICE = "text-encoder-svc";

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Config config;
    ServerConfig serverConfig;
    TextEncoderConfig settings;
    BackendSettings backendSettings;
    BatcherConfig batching;
    try {
      config = ConfigLoader.load(TextEncoderConfig.defaults(), args, System.getenv());
      serverConfig = ServerConfig.from(config);
      settings = TextEncoderConfig.from(config);
      backendSettings = BackendSettings.from(config);
      batching = BatcherConfig.from(config, TextEncoderConfig.BATCH_PREFIX);
    } catch (IllegalArgumentException e) { // a ConfigException, or a config record refusing a value
      System.err.println(SERVICE + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    log.info("{} config:\n{}", SERVICE, config);

    DjlNatives.configure(settings.djlCacheDir(), System.getenv());
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    BackendSettings.Opened opened;
    InferenceBackend backend;
    TextEncoder encoder;
    try {
      ModelRegistry registry = ModelRegistry.load(settings.packs());
      opened = backendSettings.open(TextEncoder.backendModels(registry, settings.precision()));
      backend = opened.backend();
      try {
        encoder = new TextEncoder(registry, backend, batching, settings.limits(), meters);
      } catch (RuntimeException e) {
        backend.close();
        throw e;
      }
    } catch (ModelPackException e) {
      log.error("{}: cannot load the model packs: {}", SERVICE, e.getMessage());
      System.exit(1);
      return;
    } catch (TritonStartupException e) {
      log.error("{}: cannot use Triton: {}", SERVICE, e.getMessage());
      System.exit(1);
      return;
    }

    // health Check answers NOT_SERVING while the backend is not ready (Triton down)
    ServerBuilder<?> builder =
        GrpcServer.nettyBuilder(serverConfig)
            .intercept(new ReadinessHealthInterceptor(opened.ready()));
    GrpcServer server =
        new GrpcServer(builder, List.of(new TextEncoderService(encoder)), serverConfig, meters)
            // health Watch streams (the gateway's) follow the backend too: NOT_SERVING while Triton
            // is down, so callers route to other replicas
            .followReadiness(opened.ready(), READINESS_POLL);
    AdminHttpServer admin =
        new AdminHttpServer(
            serverConfig, meters, () -> server.isServing() && opened.ready().getAsBoolean());
    ShutdownHook.install(SERVICE, server, admin, encoder, backend, meters::close);
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
