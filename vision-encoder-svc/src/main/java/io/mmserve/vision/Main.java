package io.mmserve.vision;

import io.grpc.ServerBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.server.AdminHttpServer;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.kit.server.ShutdownHook;
import io.mmserve.triton.BackendSettings;
import io.mmserve.triton.ReadinessHealthInterceptor;
import io.mmserve.vision.encoder.ImageEncoder;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts vision-encoder-svc: reads the config once (defaults in {@link VisionEncoderConfig}, then a
 * file, {@code MMSERVE_*} variables and {@code --key=value} flags), loads the model packs into an
 * embedded ONNX Runtime backend (or, with {@code backend=triton}, checks them against Triton's
 * models; health then follows Triton's readiness), and serves {@code
 * mmserve.encoder.v1.VisionEncoder} on the gRPC port and {@code /metrics} and {@code /healthz} on
 * the admin port until SIGTERM or SIGINT, which stop it gracefully with exit code 0. A bad config
 * exits with 2, any other start failure with 1.
 */
public final class Main {
  private static final java.time.Duration READINESS_POLL = java.time.Duration.ofMillis(500);

  /** The service's name in logs. */
  public static final String SERVICE_NAME = "vision-encoder-svc";

  private static final Logger log = LoggerFactory.getLogger(Main.class);
  private static final int EXIT_BAD_CONFIG = 2;
  private static final int EXIT_START_FAILED = 1;

  private Main() {}

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true"); // ImageIO must never look for a display
    Config config;
    ServerConfig server;
    VisionEncoderConfig vision;
    BackendSettings backend;
    try {
      config = ConfigLoader.load(VisionEncoderConfig.defaults(), args, System.getenv());
      server = ServerConfig.from(config);
      vision = VisionEncoderConfig.from(config);
      backend = BackendSettings.from(config);
    } catch (IllegalArgumentException e) { // ConfigException and the records' own checks
      System.err.println(SERVICE_NAME + ": bad configuration: " + e.getMessage());
      System.exit(EXIT_BAD_CONFIG);
      return;
    }
    log.info("{} configuration:\n{}", SERVICE_NAME, config);
    warnIfMessageLimitIsTooSmall(server, vision);

    List<AutoCloseable> resources = new ArrayList<>();
    try {
      run(server, vision, backend, resources);
    } catch (Throwable e) { // including LinkageError: a broken jar must not leave the JVM hanging
      log.error("{} failed to start", SERVICE_NAME, e);
      ShutdownHook.closeAll(resources);
      System.exit(EXIT_START_FAILED);
    }
  }

  private static void run(
      ServerConfig server,
      VisionEncoderConfig vision,
      BackendSettings backendSettings,
      List<AutoCloseable> resources)
      throws Exception {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(meters);
    new JvmGcMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);

    ModelRegistry registry = ModelRegistry.load(vision.packs());
    BackendSettings.Opened opened =
        backendSettings.open(ImageEncoder.backendModels(registry, vision.precision()));
    resources.add(0, opened.backend());
    ImageEncoder encoder =
        new ImageEncoder(
            registry,
            opened.backend(),
            vision.limits(),
            vision.batcher(),
            vision.preprocessThreads(),
            meters);
    resources.add(0, encoder);
    // health Check answers NOT_SERVING while the backend is not ready (Triton down)
    ServerBuilder<?> builder =
        GrpcServer.nettyBuilder(server).intercept(new ReadinessHealthInterceptor(opened.ready()));
    GrpcServer grpc =
        new GrpcServer(builder, List.of(new VisionEncoderService(encoder)), server, meters)
            // health Watch streams (the gateway's) follow the backend too: NOT_SERVING while Triton
            // is down, so callers route to other replicas
            .followReadiness(opened.ready(), READINESS_POLL);
    resources.add(0, grpc);
    AdminHttpServer admin =
        new AdminHttpServer(
            server, meters, () -> grpc.isServing() && opened.ready().getAsBoolean());
    resources.add(1, admin);

    // Close order: gRPC server (graceful), admin server, encoder (batchers, workers), backend.
    ShutdownHook.install(SERVICE_NAME, resources.toArray(AutoCloseable[]::new));
    ShutdownHook.exitNormallyOnStopSignals();
    grpc.start();
    admin.start();
    log.info("{} serving on {}:{}", SERVICE_NAME, server.grpcHost(), grpc.port());
    log.info(
        "{} admin (/metrics, /healthz) on {}:{}", SERVICE_NAME, server.adminHost(), admin.port());
    grpc.awaitTermination();
  }

  private static void warnIfMessageLimitIsTooSmall(
      ServerConfig server, VisionEncoderConfig vision) {
    long needed = VisionEncoderConfig.requiredMessageBytes(vision.limits());
    if (server.maxInboundMessageBytes() < needed) {
      log.warn(
          "{} is {} bytes, less than the {} bytes one image of {} needs; such requests will fail"
              + " with RESOURCE_EXHAUSTED before they are read",
          ServerConfig.MAX_INBOUND_MESSAGE_SIZE,
          server.maxInboundMessageBytes(),
          needed,
          VisionEncoderConfig.MAX_IMAGE_BYTES);
    }
  }
}
