package io.mmserve.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The options of {@code up}.
 *
 * @param modelPack the model pack the encoders serve
 * @param int8 serve the pack's int8-quantised encoders instead of the float32 ones
 * @param basePort gRPC port of the gateway; the text encoder, vision encoder and fusion-svc take
 *     the next three
 * @param adminBasePort admin (metrics) port of the gateway; the other services take the next three
 * @param startupTimeout how long every service together may take to report SERVING
 * @param stopGrace how long a service may take to stop after SIGTERM before it is killed
 */
record UpOptions(
    Path modelPack,
    boolean int8,
    int basePort,
    int adminBasePort,
    Duration startupTimeout,
    Duration stopGrace) {

  static final int DEFAULT_BASE_PORT = 50051;
  static final int DEFAULT_ADMIN_BASE_PORT = 9091;
  static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(3);

  /** Longer than the services' own shutdown grace (10 s), so they can finish in-flight calls. */
  static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(20);

  /** The pack used unless {@code --model-pack} names another, relative to the mmserve home. */
  static final Path DEFAULT_MODEL_PACK = Path.of("models", "shapes-clip");

  static final String USAGE_OPTIONS =
      "options: --model-pack DIR (default models/shapes-clip)  --int8  --base-port N (default "
          + DEFAULT_BASE_PORT
          + ")  --admin-base-port N (default "
          + DEFAULT_ADMIN_BASE_PORT
          + ")  --startup-timeout 3m  --stop-grace 20s";

  /**
   * Parses the arguments after {@code up}.
   *
   * @param home the mmserve checkout, against which the default model pack is resolved
   * @throws UsageException when an option is wrong
   */
  static UpOptions parse(List<String> args, Path home) {
    CommandLine line =
        CommandLine.parse(
            args,
            Set.of(
                "--model-pack",
                "--base-port",
                "--admin-base-port",
                "--startup-timeout",
                "--stop-grace",
                "--replicas"),
            Set.of("--int8"));
    if (!line.positionals().isEmpty()) {
      throw new UsageException("up takes no arguments, but was given " + line.positionals());
    }
    // replicas arrive with a later issue; until then one of each service is all there is
    if (line.intValue("--replicas", 1, 1, 64) != 1) {
      throw new UsageException(
          "--replicas: this release runs one replica of each service; more arrive later");
    }
    Path pack = line.value("--model-pack").map(Path::of).orElse(home.resolve(DEFAULT_MODEL_PACK));
    return new UpOptions(
        pack.toAbsolutePath().normalize(),
        line.flag("--int8"),
        line.intValue("--base-port", DEFAULT_BASE_PORT, 1024, 65_532),
        line.intValue("--admin-base-port", DEFAULT_ADMIN_BASE_PORT, 1024, 65_532),
        line.durationValue("--startup-timeout", DEFAULT_STARTUP_TIMEOUT),
        line.durationValue("--stop-grace", DEFAULT_STOP_GRACE));
  }
}
