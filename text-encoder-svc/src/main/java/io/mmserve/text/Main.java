package io.mmserve.text;

import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.fault.FaultInjection;
import io.mmserve.kit.server.ServiceParts;
import io.mmserve.kit.server.ServiceRunner;
import io.mmserve.kit.server.Startup;
import io.mmserve.text.encoder.TextEncoder;
import io.mmserve.text.tokenizer.DjlNatives;
import io.mmserve.triton.BackendSettings;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Starts text-encoder-svc: loads the model packs, their tokenizers and ONNX sessions (or connects
 * to Triton: {@code backend=triton}) and serves {@code mmserve.encoder.v1.TextEncoder}. {@link
 * ServiceRunner} does the rest the same way for every service: the config, health and reflection,
 * the admin endpoint, the log line {@code "text-encoder-svc serving on HOST:PORT"} (the launcher
 * and the integration tests read it; {@code --grpc.port=0} picks a free one), exit codes (2 for a
 * bad config, 1 for a pack that cannot be loaded or a Triton that does not serve the pack's models)
 * and the graceful stop on SIGTERM or SIGINT (the batchers, then the backend, close after the
 * servers). With Triton, health and {@code /healthz} report NOT_SERVING while Triton's models are
 * not ready.
 */
public final class Main {
  static final String SERVICE = "text-encoder-svc";

  private Main() {}

  public static void main(String[] args) {
    int exit =
        new ServiceRunner<>(SERVICE, TextEncoderConfig.defaults(), Settings::from, Main::build)
            .run(args);
    if (exit != 0) {
      System.exit(exit); // a stopped service returns 0: its shutdown hook has run
    }
  }

  private static ServiceParts build(Settings settings, Startup startup) {
    TextEncoderConfig text = settings.text();
    DjlNatives.configure(text.djlCacheDir(), System.getenv());
    ModelRegistry registry = ModelRegistry.load(text.packs());
    BackendSettings.Opened opened =
        settings
            .backend()
            .open(TextEncoder.backendModels(registry, text.precision()), startup.tracing());
    startup.closeOnStop(opened.backend());
    TextEncoder encoder =
        startup.closeOnStop(
            new TextEncoder(
                registry,
                opened.backend(),
                text.batching(),
                text.buckets(),
                text.limits(),
                startup.meters(),
                startup.tracing().tracer()));
    settings.faults().logIfOn(SERVICE);
    return ServiceParts.following(
        opened.ready(),
        new TextEncoderService(
            encoder, settings.faults(), () -> ThreadLocalRandom.current().nextDouble()));
  }

  /** Everything text-encoder-svc reads besides the shared server settings. */
  private record Settings(TextEncoderConfig text, BackendSettings backend, FaultInjection faults) {
    static Settings from(Config config) {
      return new Settings(
          TextEncoderConfig.from(config),
          BackendSettings.from(config),
          FaultInjection.from(config));
    }
  }
}
