package io.mmserve.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which processes make up the local stack and how each is started: the two encoders, fusion-svc and
 * the gateway, each from its own jar in the mmserve checkout, on loopback ports counted from the
 * base ports, the gateway pointed at the other three.
 */
final class StackPlan {
  /** Every service listens on loopback only. */
  static final String HOST = "127.0.0.1";

  private StackPlan() {}

  /**
   * The services in start order: text encoder, vision encoder, fusion, gateway.
   *
   * @param home the mmserve checkout holding the jars
   * @param java the java executable
   */
  static List<ServiceSpec> services(UpOptions options, Path home, String java) {
    int textPort = options.basePort() + 1;
    int visionPort = options.basePort() + 2;
    int fusionPort = options.basePort() + 3;
    List<String> encoderFlags = new ArrayList<>();
    encoderFlags.add("--model.packs=" + options.modelPack());
    if (options.int8()) {
      encoderFlags.add("--model.precision=int8");
    }
    return List.of(
        service(
            home,
            java,
            "text-encoder-svc",
            "text",
            textPort,
            options.adminBasePort() + 1,
            encoderFlags),
        service(
            home,
            java,
            "vision-encoder-svc",
            "vision",
            visionPort,
            options.adminBasePort() + 2,
            encoderFlags),
        service(
            home,
            java,
            "fusion-svc",
            "fusion",
            fusionPort,
            options.adminBasePort() + 3,
            List.of("--model.packs=" + options.modelPack())),
        service(
            home,
            java,
            "gateway",
            "gateway",
            options.basePort(),
            options.adminBasePort(),
            List.of(
                "--text-encoder.target=" + HOST + ":" + textPort,
                "--vision-encoder.target=" + HOST + ":" + visionPort,
                "--fusion.target=" + HOST + ":" + fusionPort)));
  }

  /** Where the runnable jar of {@code module} is built. */
  static Path jar(Path home, String module) {
    return home.resolve(module).resolve("target").resolve(module + ".jar");
  }

  private static ServiceSpec service(
      Path home,
      String java,
      String name,
      String label,
      int grpcPort,
      int adminPort,
      List<String> flags) {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-jar");
    command.add(jar(home, name).toString());
    command.add("--grpc.host=" + HOST);
    command.add("--grpc.port=" + grpcPort);
    command.add("--admin.host=" + HOST);
    command.add("--admin.port=" + adminPort);
    command.addAll(flags);
    return new ServiceSpec(name, label, grpcPort, adminPort, command);
  }
}
