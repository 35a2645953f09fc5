package io.mmserve.fusion;

import io.mmserve.fusion.model.FusionEngine;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.server.ServiceParts;
import io.mmserve.kit.server.ServiceRunner;
import io.mmserve.kit.server.Startup;

/**
 * Starts fusion-svc: loads the packs' fusion weights (checked against each manifest) and serves
 * {@code mmserve.fusion.v1.Fusion}. {@link ServiceRunner} does the rest the same way for every
 * service: the config, health and reflection, the admin endpoint, the log line {@code "fusion-svc
 * serving on HOST:PORT"}, exit codes (2 for a bad config, 1 for a pack that cannot be loaded) and
 * the graceful stop on SIGTERM or SIGINT (the match workers close after the servers).
 */
public final class Main {
  static final String SERVICE = "fusion-svc";

  private Main() {}

  public static void main(String[] args) {
    int exit =
        new ServiceRunner<>(SERVICE, FusionConfig.defaults(), FusionConfig::from, Main::build)
            .run(args);
    if (exit != 0) {
      System.exit(exit); // a stopped service returns 0: its shutdown hook has run
    }
  }

  private static ServiceParts build(FusionConfig settings, Startup startup) {
    FusionEngine engine =
        startup.closeOnStop(
            new FusionEngine(
                ModelRegistry.load(settings.packs()), settings.limits(), settings.matchThreads()));
    return ServiceParts.of(new FusionService(engine, startup.tracing().tracer()));
  }
}
