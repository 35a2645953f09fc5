package io.mmserve.vision;

import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.fault.FaultInjection;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.kit.server.ServiceParts;
import io.mmserve.kit.server.ServiceRunner;
import io.mmserve.kit.server.Startup;
import io.mmserve.triton.BackendSettings;
import io.mmserve.vision.encoder.ImageEncoder;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts vision-encoder-svc: loads the model packs into an embedded ONNX Runtime backend (or, with
 * {@code backend=triton}, checks them against Triton's models; health then follows Triton's
 * readiness) and serves {@code mmserve.encoder.v1.VisionEncoder}. {@link ServiceRunner} does the
 * rest the same way for every service: the config (defaults in {@link VisionEncoderConfig}, then a
 * file, {@code MMSERVE_*} variables and {@code --key=value} flags), health and reflection, {@code
 * /metrics} and {@code /healthz} on the admin port, the log line {@code "vision-encoder-svc serving
 * on HOST:PORT"}, exit codes (2 for a bad config, 1 for any other start failure) and the graceful
 * stop on SIGTERM or SIGINT (the encoder, then the backend, close after the servers).
 */
public final class Main {
  /** The service's name in logs. */
  public static final String SERVICE_NAME = "vision-encoder-svc";

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true"); // ImageIO must never look for a display
    int exit =
        new ServiceRunner<>(
                SERVICE_NAME, VisionEncoderConfig.defaults(), Settings::from, Main::build)
            .run(args);
    if (exit != 0) {
      System.exit(exit); // a stopped service returns 0: its shutdown hook has run
    }
  }

  private static ServiceParts build(Settings settings, Startup startup) {
    VisionEncoderConfig vision = settings.vision();
    warnIfMessageLimitIsTooSmall(startup.server(), vision);
    ModelRegistry registry = ModelRegistry.load(vision.packs());
    BackendSettings.Opened opened =
        settings
            .backend()
            .open(ImageEncoder.backendModels(registry, vision.precision()), startup.tracing());
    startup.closeOnStop(opened.backend());
    ImageEncoder encoder =
        startup.closeOnStop(
            new ImageEncoder(
                registry,
                opened.backend(),
                vision.limits(),
                vision.batching(),
                vision.preparation(),
                startup.meters(),
                startup.tracing().tracer()));
    settings.faults().logIfOn(SERVICE_NAME);
    return ServiceParts.following(
        opened.ready(),
        new VisionEncoderService(
            encoder, settings.faults(), () -> ThreadLocalRandom.current().nextDouble()));
  }

  /** Everything vision-encoder-svc reads besides the shared server settings. */
  private record Settings(
      VisionEncoderConfig vision, BackendSettings backend, FaultInjection faults) {
    static Settings from(Config config) {
      return new Settings(
          VisionEncoderConfig.from(config),
          BackendSettings.from(config),
          FaultInjection.from(config));
    }
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
