package io.mmserve.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code up}.
 *
 * @param modelPack the model pack the encoders serve
 * @param int8 serve the pack's int8-quantised encoders instead of the float32 ones
 * @param basePort gRPC port of the gateway; the first text encoder, vision encoder, fusion-svc and
 *     gallery-svc take the next four, and replica {@code r} (counted from 0) of an encoder takes
 *     its first replica's port + 10 r
 * @param adminBasePort admin (metrics) port of the gateway; the other services' admin ports follow
 *     the same scheme
 * @param startupTimeout how long every service together may take to report SERVING
 * @param stopGrace how long a service may take to stop after SIGTERM before it is killed
 * @param textReplicas how many text-encoder-svc processes to run
 * @param visionReplicas how many vision-encoder-svc processes to run
 * @param gatewaySettings extra gateway settings, each {@code key=value}, in the order given
 * @param encoderSettings extra settings of every encoder replica, text and vision, each {@code
 *     key=value}
 * @param gatewayConfig a gateway config file ({@code --config} of the gateway), if any
 * @param jvmOptions extra JVM options per module name (gateway, text-encoder-svc, ...)
 * @param galleryData gallery-svc's data dir: its collections, kept between runs
 * @param httpPort the gateway's HTTP/JSON port (the API under /v1/, the gallery page at /gallery/)
 * @param observe also run a local Prometheus that scrapes the stack with the chart's alert rules
 * @param prometheusPort that Prometheus's web port (only with {@code observe})
 * @param tlsDir with {@code --tls}: where the throwaway CA and certificates are made ({@link
 *     LocalCertificates}); empty: plaintext
 * @param canary a second version of the model, served beside it with a share of the requests
 *     ({@code --canary DIR --canary-weight N})
 */
record UpOptions(
    Path modelPack,
    boolean int8,
    int basePort,
    int adminBasePort,
    Duration startupTimeout,
    Duration stopGrace,
    int textReplicas,
    int visionReplicas,
    List<String> gatewaySettings,
    List<String> encoderSettings,
    List<String> textSettings,
    List<String> visionSettings,
    Optional<Path> gatewayConfig,
    Map<String, List<String>> jvmOptions,
    Path galleryData,
    int httpPort,
    boolean observe,
    int prometheusPort,
    Optional<Path> tlsDir,
    Optional<CanaryPack> canary) {

  static final int DEFAULT_BASE_PORT = 50051;
  static final int DEFAULT_ADMIN_BASE_PORT = 9091;
  static final int DEFAULT_HTTP_PORT = 8080;
  static final int DEFAULT_PROMETHEUS_PORT = 9090;
  static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(3);

  /** Longer than the services' own shutdown grace (10 s), so they can finish in-flight calls. */
  static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(20);

  /** The pack used unless {@code --model-pack} names another, relative to the mmserve home. */
  static final Path DEFAULT_MODEL_PACK = Path.of("models", "shapes-clip");

  /** Where gallery-svc keeps its collections unless {@code --gallery-data} names another folder. */
  static final Path DEFAULT_GALLERY_DATA = Path.of("data", "gallery");

  static final int MAX_REPLICAS = 8;

  /** The port distance between two replicas of one encoder. */
  static final int REPLICA_PORT_STRIDE = 10;

  /** The modules whose JVMs {@code --jvm-option} can reach. */
  static final Set<String> MODULES =
      Set.of("gateway", "text-encoder-svc", "vision-encoder-svc", "fusion-svc", "gallery-svc");

  /** The gateway setting {@code --api-keys} sets. */
  static final String API_KEYS_SETTING = "auth.api-keys-file";

  /** Settings the launcher gives the gateway itself; {@code --gateway-flag} must not move them. */
  static final Set<String> GATEWAY_LAUNCHER_SETTINGS =
      Set.of(
          "grpc.host",
          "grpc.port",
          "admin.host",
          "admin.port",
          "text-encoder.target",
          "vision-encoder.target",
          "fusion.target",
          "gallery.target",
          "http.enabled",
          "http.host",
          "http.port");

  /**
   * Settings the launcher gives the encoders itself; {@code --encoder-flag}, {@code --text-flag}
   * and {@code --vision-flag} must not move them.
   */
  static final Set<String> ENCODER_LAUNCHER_SETTINGS =
      Set.of("grpc.host", "grpc.port", "admin.host", "admin.port", "model.packs");

  static final String USAGE_OPTIONS =
      String.join(
          "\n                       ",
          "options: --model-pack DIR (default models/shapes-clip)  --int8  --base-port N (default "
              + DEFAULT_BASE_PORT
              + ")  --admin-base-port N (default "
              + DEFAULT_ADMIN_BASE_PORT
              + ")  --startup-timeout 3m  --stop-grace 20s",
          "--text-replicas N  --vision-replicas N (1.."
              + MAX_REPLICAS
              + ", default 1): replica r (from 0) of an encoder listens on its first",
          "  replica's ports + 10 r (text: base+1, base+11, ...; vision: base+2, base+12, ...;"
              + " admin likewise); the gateway",
          "  gets the list. Replicas are named text-encoder-svc#1, #2, ... in the output",
          "--gateway-flag KEY=VALUE (repeatable; e.g. batching.text.max-batch-size=1)"
              + "  --gateway-config FILE",
          "--encoder-flag KEY=VALUE (repeatable, every encoder replica; e.g. batching.max-batch-size=1)",
          "--text-flag KEY=VALUE, --vision-flag KEY=VALUE (repeatable, one tower's replicas, after"
              + " --encoder-flag; e.g. --vision-flag preprocess.threads=2)",
          "--jvm-option MODULE=OPTION (repeatable; e.g. gateway=-Xmx256m): replaces the default of"
              + " its kind (heap -Xmx128m, gallery-svc 256m;",
          "  -XX:MaxDirectMemorySize=64m, gateway 128m, encoders 96m; -XX:+UseSerialGC)",
          "--gallery-data DIR (default data/gallery): gallery-svc's collections, kept between runs",
          "--api-keys FILE: the gateway asks every call for an API key of FILE (mmserve keys new);"
              + " without it, anyone who reaches the gateway may call it",
          "--http-port N (default "
              + DEFAULT_HTTP_PORT
              + "): the gateway's HTTP/JSON API and the gallery page at /gallery/",
          "--tls: mutual TLS between the services and TLS on the gateway's gRPC port, with a"
              + " throwaway CA made in --tls-dir DIR (default: tls beside --gallery-data)",
          "--observe: also a local Prometheus (Debian's prometheus) scraping the stack with the"
              + " alert rules, on --prometheus-port N (default "
              + DEFAULT_PROMETHEUS_PORT
              + ")",
          "--canary DIR --canary-weight N (0..100, default 0): also serve DIR, another version of"
              + " the model (models/int8-version.sh makes one);",
          "  requests naming no version go to it at N percent (sticky per mmserve-route-key)");

  UpOptions {
    gatewaySettings = List.copyOf(gatewaySettings);
    encoderSettings = List.copyOf(encoderSettings);
    Map<String, List<String>> copy = new LinkedHashMap<>();
    jvmOptions.forEach((module, options) -> copy.put(module, List.copyOf(options)));
    jvmOptions = Map.copyOf(copy);
  }

  /** The extra JVM options of {@code module}'s processes; empty if none. */
  List<String> jvmOptionsOf(String module) {
    return jvmOptions.getOrDefault(module, List.of());
  }

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
                "--text-replicas",
                "--vision-replicas",
                "--gateway-flag",
                "--encoder-flag",
                "--text-flag",
                "--vision-flag",
                "--gateway-config",
                "--jvm-option",
                "--gallery-data",
                "--http-port",
                "--api-keys",
                "--prometheus-port",
                "--tls-dir",
                "--canary",
                "--canary-weight"),
            Set.of("--int8", "--observe", "--tls"));
    if (!line.positionals().isEmpty()) {
      throw new UsageException("up takes no arguments, but was given " + line.positionals());
    }
    Path pack = line.value("--model-pack").map(Path::of).orElse(home.resolve(DEFAULT_MODEL_PACK));
    int textReplicas = line.intValue("--text-replicas", 1, 1, MAX_REPLICAS);
    int visionReplicas = line.intValue("--vision-replicas", 1, 1, MAX_REPLICAS);
    int span = (Math.max(textReplicas, visionReplicas) - 1) * REPLICA_PORT_STRIDE + 4;
    Path galleryData =
        line.value("--gallery-data")
            .map(Path::of)
            .orElse(home.resolve(DEFAULT_GALLERY_DATA))
            .toAbsolutePath()
            .normalize();
    return new UpOptions(
        pack.toAbsolutePath().normalize(),
        line.flag("--int8"),
        line.intValue("--base-port", DEFAULT_BASE_PORT, 1024, 65_535 - span),
        line.intValue("--admin-base-port", DEFAULT_ADMIN_BASE_PORT, 1024, 65_535 - span),
        line.durationValue("--startup-timeout", DEFAULT_STARTUP_TIMEOUT),
        line.durationValue("--stop-grace", DEFAULT_STOP_GRACE),
        textReplicas,
        visionReplicas,
        withApiKeys(
            settings("--gateway-flag", line.values("--gateway-flag"), GATEWAY_LAUNCHER_SETTINGS),
            line.value("--api-keys")),
        settings("--encoder-flag", line.values("--encoder-flag"), ENCODER_LAUNCHER_SETTINGS),
        settings("--text-flag", line.values("--text-flag"), ENCODER_LAUNCHER_SETTINGS),
        settings("--vision-flag", line.values("--vision-flag"), ENCODER_LAUNCHER_SETTINGS),
        line.value("--gateway-config").map(p -> Path.of(p).toAbsolutePath().normalize()),
        jvmOptions(line.values("--jvm-option")),
        galleryData,
        line.intValue("--http-port", DEFAULT_HTTP_PORT, 1024, 65_535),
        line.flag("--observe"),
        prometheusPort(line),
        tlsDir(line, galleryData),
        canary(line, pack.toAbsolutePath().normalize()));
  }

  /** With {@code --tls}: {@code --tls-dir}, or {@code tls} beside the gallery's data folder. */
  private static Optional<Path> tlsDir(CommandLine line, Path galleryData) {
    if (!line.flag("--tls")) {
      if (line.value("--tls-dir").isPresent()) {
        throw new UsageException("--tls-dir is where --tls makes its certificates; add --tls");
      }
      return Optional.empty();
    }
    return Optional.of(
        line.value("--tls-dir")
            .map(Path::of)
            .orElse(galleryData.resolveSibling("tls"))
            .toAbsolutePath()
            .normalize());
  }

  private static Optional<CanaryPack> canary(CommandLine line, Path stablePack) {
    if (line.value("--canary").isEmpty()) {
      if (line.value("--canary-weight").isPresent()) {
        throw new UsageException(
            "--canary-weight is the share of --canary's version; add --canary");
      }
      return Optional.empty();
    }
    return Optional.of(
        CanaryPack.of(
            stablePack,
            Path.of(line.value("--canary").get()).toAbsolutePath().normalize(),
            line.intValue("--canary-weight", 0, 0, 100)));
  }

  private static int prometheusPort(CommandLine line) {
    if (!line.flag("--observe") && line.value("--prometheus-port").isPresent()) {
      throw new UsageException(
          "--prometheus-port is the port of --observe's Prometheus; add --observe");
    }
    return line.intValue("--prometheus-port", DEFAULT_PROMETHEUS_PORT, 1024, 65_535);
  }

  /** The gateway settings with {@code auth.api-keys-file} set to the {@code --api-keys} file. */
  private static List<String> withApiKeys(List<String> gatewaySettings, Optional<String> keys) {
    if (keys.isEmpty()) {
      return gatewaySettings;
    }
    Path file = Path.of(keys.get()).toAbsolutePath().normalize();
    if (!Files.isRegularFile(file)) {
      throw new UsageException(
          "--api-keys must name a keys file (make one with mmserve keys new), but "
              + file
              + " is not a file");
    }
    List<String> settings = new ArrayList<>(gatewaySettings);
    settings.add(API_KEYS_SETTING + "=" + file);
    return settings;
  }

  private static List<String> settings(String option, List<String> given, Set<String> owned) {
    List<String> settings = new ArrayList<>();
    for (String setting : given) {
      int eq = setting.indexOf('=');
      String key = eq > 0 ? setting.substring(0, eq).strip() : "";
      if (key.isEmpty() || key.startsWith("-")) {
        throw new UsageException(
            option + " must be KEY=VALUE such as deadline.default=5s, but was '" + setting + "'");
      }
      if (owned.contains(key)) {
        throw new UsageException(
            option
                + " "
                + key
                + ": up sets this itself (see --base-port, --admin-base-port, --http-port,"
                + " --model-pack)");
      }
      settings.add(key + "=" + setting.substring(eq + 1));
    }
    return settings;
  }

  private static Map<String, List<String>> jvmOptions(List<String> given) {
    Map<String, List<String>> options = new LinkedHashMap<>();
    for (String option : given) {
      int eq = option.indexOf('=');
      String module = eq > 0 ? option.substring(0, eq) : "";
      String value = eq > 0 ? option.substring(eq + 1) : "";
      if (!MODULES.contains(module) || !value.startsWith("-")) {
        throw new UsageException(
            "--jvm-option must be MODULE=OPTION with MODULE one of "
                + MODULES.stream().sorted().toList()
                + " and OPTION starting with '-' (gateway=-Xmx256m), but was '"
                + option
                + "'");
      }
      options.computeIfAbsent(module, m -> new ArrayList<>()).add(value);
    }
    return options;
  }
}
