package io.mmserve.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which processes make up the local stack and how each is started: the replicas of the two
 * encoders, fusion-svc, gallery-svc and the gateway, each from its own jar in the mmserve checkout,
 * on loopback ports counted from the base ports, the gateway pointed at the others.
 *
 * <p>Ports: the gateway takes the base ports; the first text encoder, vision encoder, fusion-svc
 * and gallery-svc take base + 1, + 2, + 3, + 4; replica {@code r} (from 0) of an encoder takes its
 * first replica's ports + {@value UpOptions#REPLICA_PORT_STRIDE} r. The gateway gets each encoder's
 * replicas as one comma-separated target list, and serves HTTP/JSON on {@link
 * UpOptions#httpPort()}.
 */
final class StackPlan {
  /**
   * JVM flags a service always gets: gallery-svc and fusion-svc resolve the Vector API module,
   * without which Lucene scores vectors with its scalar code (several times slower search) and the
   * match head runs its scalar kernels.
   */
  static final Map<String, List<String>> SERVICE_JVM_FLAGS =
      Map.of(
          "gallery-svc", List.of("--add-modules=jdk.incubator.vector"),
          "fusion-svc", List.of("--add-modules=jdk.incubator.vector"));

  /** The gateway setting of the thumbnails' longest side (docs/configuration.md). */
  static final String THUMBNAIL_SIDE_KEY = "gallery.thumbnails.max-side";

  /** Thumbnails are off by default; the local stack turns them on at this size. */
  static final int LOCAL_THUMBNAIL_SIDE = 160;

  /** Every service listens on loopback only. */
  static final String HOST = "127.0.0.1";

  private StackPlan() {}

  /**
   * The services in start order: the text encoders, the vision encoders, fusion, the gallery (its
   * data in {@link UpOptions#galleryData()}), the gateway.
   *
   * @param home the mmserve checkout holding the jars
   * @param java the java executable
   */
  static List<ServiceSpec> services(UpOptions options, Path home, String java) {
    return services(options, home, java, Runtime.getRuntime().availableProcessors());
  }

  /**
   * As {@link #services(UpOptions, Path, String)} on a machine of {@code cores} cores, which the
   * encoder replicas share ({@link EncoderThreads}); an {@code --encoder-flag}, {@code --text-flag}
   * or {@code --vision-flag} of the same key replaces a thread count (the last flag of a key wins,
   * so a tower's own flag beats {@code --encoder-flag}).
   */
  static List<ServiceSpec> services(UpOptions options, Path home, String java, int cores) {
    EncoderThreads threads =
        EncoderThreads.split(cores, options.textReplicas(), options.visionReplicas());
    List<String> encoderFlags = new ArrayList<>();
    encoderFlags.add("--model.packs=" + packs(options));
    if (options.int8()) {
      encoderFlags.add("--model.precision=int8");
    }
    options.encoderSettings().forEach(setting -> encoderFlags.add("--" + setting));
    options.tlsDir().ifPresent(dir -> encoderFlags.addAll(mutualTls(dir, "encoders")));
    List<ServiceSpec> services = new ArrayList<>();
    List<ServiceSpec> text =
        replicas(options, home, java, "text-encoder-svc", "text", 1, options.textReplicas());
    List<ServiceSpec> vision =
        replicas(options, home, java, "vision-encoder-svc", "vision", 2, options.visionReplicas());
    for (ServiceSpec replica : text) {
      services.add(
          withFlags(
              withFlags(withFlags(replica, threads.textFlags()), encoderFlags),
              flags(options.textSettings())));
    }
    for (ServiceSpec replica : vision) {
      services.add(
          withFlags(
              withFlags(withFlags(replica, threads.visionFlags()), encoderFlags),
              flags(options.visionSettings())));
    }
    ServiceSpec fusion =
        service(
            options,
            home,
            java,
            "fusion-svc",
            "fusion-svc",
            "fusion",
            options.basePort() + 3,
            options.adminBasePort() + 3,
            withTls(options, "fusion-svc", List.of("--model.packs=" + packs(options))));
    services.add(fusion);
    ServiceSpec gallery =
        service(
            options,
            home,
            java,
            "gallery-svc",
            "gallery-svc",
            "gallery",
            options.basePort() + 4,
            options.adminBasePort() + 4,
            withTls(options, "gallery-svc", List.of("--data.dir=" + options.galleryData())));
    services.add(gallery);
    List<String> gatewayFlags = new ArrayList<>();
    options.gatewayConfig().ifPresent(file -> gatewayFlags.add("--config=" + file));
    gatewayFlags.add("--text-encoder.target=" + targets(text));
    gatewayFlags.add("--vision-encoder.target=" + targets(vision));
    gatewayFlags.add("--fusion.target=" + fusion.target());
    gatewayFlags.add("--gallery.target=" + gallery.target());
    gatewayFlags.add("--http.enabled=true");
    gatewayFlags.add("--http.host=" + HOST);
    gatewayFlags.add("--http.port=" + options.httpPort());
    options.tlsDir().ifPresent(dir -> gatewayFlags.addAll(gatewayTls(dir)));
    if (options.gatewaySettings().stream()
        .noneMatch(setting -> setting.startsWith(THUMBNAIL_SIDE_KEY + "="))) {
      // the gallery page shows hits as thumbnails; a --gateway-flag of the key replaces this
      gatewayFlags.add("--" + THUMBNAIL_SIDE_KEY + "=" + LOCAL_THUMBNAIL_SIDE);
    }
    options.canary().ifPresent(canary -> gatewayFlags.addAll(canary.gatewayFlags()));
    options.gatewaySettings().forEach(setting -> gatewayFlags.add("--" + setting));
    services.add(
        service(
            options,
            home,
            java,
            "gateway",
            "gateway",
            "gateway",
            options.basePort(),
            options.adminBasePort(),
            gatewayFlags));
    return List.copyOf(services);
  }

  /**
   * The TLS settings of a backend service: its certificate, and clients must present one of the
   * local CA (mutual TLS). The encoders share one certificate ({@code encoders.crt}).
   */
  static List<String> mutualTls(Path dir, String identity) {
    return List.of(
        "--tls.cert-file=" + LocalCertificates.certFile(dir, identity),
        "--tls.key-file=" + LocalCertificates.keyFile(dir, identity),
        "--tls.client-ca-file=" + LocalCertificates.caFile(dir));
  }

  /**
   * The gateway's TLS settings: TLS on its public gRPC port without client certificates (callers
   * are not part of the stack), and mutual TLS to its backends with its own certificate.
   */
  static List<String> gatewayTls(Path dir) {
    return List.of(
        "--tls.cert-file=" + LocalCertificates.certFile(dir, "gateway"),
        "--tls.key-file=" + LocalCertificates.keyFile(dir, "gateway"),
        "--backend.tls.ca-file=" + LocalCertificates.caFile(dir),
        "--backend.tls.cert-file=" + LocalCertificates.certFile(dir, "gateway"),
        "--backend.tls.key-file=" + LocalCertificates.keyFile(dir, "gateway"));
  }

  /** The identities {@code up --tls} issues certificates to. */
  static final List<String> TLS_IDENTITIES =
      List.of("encoders", "fusion-svc", "gallery-svc", "gateway");

  private static List<String> withTls(UpOptions options, String identity, List<String> flags) {
    if (options.tlsDir().isEmpty()) {
      return flags;
    }
    List<String> all = new ArrayList<>(flags);
    all.addAll(mutualTls(options.tlsDir().get(), identity));
    return all;
  }

  /** The encoders' and fusion-svc's packs: the model pack (the default), then the canary's. */
  static String packs(UpOptions options) {
    return options
        .canary()
        .map(c -> options.modelPack() + "," + c.dir())
        .orElse(options.modelPack().toString());
  }

  /** Where the runnable jar of {@code module} is built. */
  static Path jar(Path home, String module) {
    return home.resolve(module).resolve("target").resolve(module + ".jar");
  }

  /** The gRPC targets of {@code services}, comma-separated, as the gateway takes them. */
  static String targets(List<ServiceSpec> services) {
    return services.stream().map(ServiceSpec::target).collect(Collectors.joining(","));
  }

  private static List<ServiceSpec> replicas(
      UpOptions options,
      Path home,
      String java,
      String module,
      String label,
      int portOffset,
      int count) {
    List<ServiceSpec> replicas = new ArrayList<>();
    for (int r = 0; r < count; r++) {
      String suffix = count == 1 ? "" : ServiceSpec.REPLICA_SEPARATOR + Integer.toString(r + 1);
      int offset = portOffset + r * UpOptions.REPLICA_PORT_STRIDE;
      replicas.add(
          service(
              options,
              home,
              java,
              module,
              module + suffix,
              label + suffix,
              options.basePort() + offset,
              options.adminBasePort() + offset,
              List.of()));
    }
    return replicas;
  }

  /** {@code KEY=VALUE} settings as {@code --KEY=VALUE} flags. */
  private static List<String> flags(List<String> settings) {
    return settings.stream().map(setting -> "--" + setting).toList();
  }

  private static ServiceSpec withFlags(ServiceSpec spec, List<String> flags) {
    List<String> command = new ArrayList<>(spec.command());
    command.addAll(flags);
    return new ServiceSpec(spec.name(), spec.label(), spec.grpcPort(), spec.adminPort(), command);
  }

  private static ServiceSpec service(
      UpOptions options,
      Path home,
      String java,
      String module,
      String name,
      String label,
      int grpcPort,
      int adminPort,
      List<String> flags) {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(SERVICE_JVM_FLAGS.getOrDefault(module, List.of()));
    // a bounded heap, direct memory and collector unless --jvm-option sets them (JvmMemoryDefaults)
    command.addAll(JvmMemoryDefaults.merged(module, options.jvmOptionsOf(module)));
    command.add("-jar");
    command.add(jar(home, module).toString());
    command.add("--grpc.host=" + HOST);
    command.add("--grpc.port=" + grpcPort);
    command.add("--admin.host=" + HOST);
    command.add("--admin.port=" + adminPort);
    command.addAll(flags);
    return new ServiceSpec(name, label, grpcPort, adminPort, command);
  }
}
