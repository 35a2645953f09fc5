package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalBlockingStub;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalFutureStub;
import io.mmserve.kit.client.GrpcChannels;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A real stack for the fault tests, started through the launcher's own code ({@link UpOptions},
 * {@link StackPlan}, {@link LocalStack}) on free loopback ports: the text-encoder-svc replicas and
 * the gateway only (the gateway's vision and fusion targets point at ports nobody listens on; the
 * tests call EmbedText). The services' output goes to {@code target/fault-its/NAME.log}.
 *
 * <p>Tests kill, pause, resume and restart one process through {@link #stack()}; {@link #close()}
 * resumes paused processes and stops everything.
 */
final class FaultStack implements AutoCloseable {
  /** Generous: JVMs load ONNX Runtime on two cores that may be busy. */
  static final Duration STARTUP = Duration.ofMinutes(4);

  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Set<String> MODULES = Set.of("text-encoder-svc", "gateway");
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;
  private static final List<String> COLOURS = List.of("red", "green", "blue", "yellow", "purple");
  private static final List<String> SHAPES = List.of("circle", "square", "triangle", "star");

  private final LocalStack stack;
  private final Path log;
  private final PrintStream logStream;
  private final int gatewayPort;
  private final int gatewayAdminPort;
  private final ManagedChannel channel;
  private final HttpClient http = HttpClient.newHttpClient();

  private FaultStack(
      LocalStack stack, Path log, PrintStream logStream, int gatewayPort, int gatewayAdminPort) {
    this.stack = stack;
    this.log = log;
    this.logStream = logStream;
    this.gatewayPort = gatewayPort;
    this.gatewayAdminPort = gatewayAdminPort;
    this.channel =
        GrpcChannels.plaintext(StackPlan.HOST + ":" + gatewayPort, MAX_INBOUND_MESSAGE_BYTES);
  }

  /**
   * Starts {@code textReplicas} text encoders and a gateway, and waits until all report SERVING.
   *
   * @param name names the log file
   * @param upArgs further {@code up} options, e.g. {@code --gateway-flag deadline.default=1s} or
   *     {@code --jvm-option gateway=-Xmx256m}
   */
  static FaultStack start(String name, int textReplicas, String... upArgs) throws Exception {
    Path root = repositoryRoot();
    for (String module : MODULES) {
      Path jar = StackPlan.jar(root, module);
      assertTrue(Files.isRegularFile(jar), () -> jar + " is missing; package the modules first");
    }
    int[] ports = freePorts(textReplicas);
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "--base-port",
            Integer.toString(ports[0]),
            "--admin-base-port",
            Integer.toString(ports[1]),
            "--http-port",
            Integer.toString(ports[0] + HTTP_PORT_OFFSET),
            "--text-replicas",
            Integer.toString(textReplicas)));
    args.addAll(List.of(upArgs));
    UpOptions options = UpOptions.parse(args, root);
    List<ServiceSpec> specs =
        StackPlan.services(options, root, Main.javaCommand()).stream()
            .filter(s -> MODULES.contains(s.module()))
            .toList();

    Path log = root.resolve("cli/target/fault-its/" + name + ".log");
    Files.createDirectories(log.getParent());
    OutputStream file = Files.newOutputStream(log);
    PrintStream logStream = new PrintStream(file, true, StandardCharsets.UTF_8);
    System.out.println(name + ": services' output in " + log);
    LocalStack stack = new LocalStack(specs, root, logStream);
    FaultStack fault = new FaultStack(stack, log, logStream, ports[0], ports[1]);
    try {
      stack.start();
      stack.awaitServing(STARTUP, s -> logStream.println("fault test: " + s.name() + " SERVING"));
    } catch (StackException | RuntimeException e) {
      fault.close();
      throw new AssertionError(e.getMessage() + "\n" + fault.logTail(), e);
    }
    return fault;
  }

  LocalStack stack() {
    return stack;
  }

  /** The names of the text-encoder-svc processes, in start order. */
  List<String> textEncoders() {
    return stack.specs().stream()
        .filter(s -> s.module().equals("text-encoder-svc"))
        .map(ServiceSpec::name)
        .toList();
  }

  /** The loopback target ({@code 127.0.0.1:port}) of the service called {@code name}. */
  String target(String name) {
    return stack.process(name).spec().target();
  }

  /** A blocking stub on the gateway without a deadline; callers add theirs. */
  MultimodalBlockingStub gateway() {
    return MultimodalGrpc.newBlockingStub(channel);
  }

  MultimodalFutureStub gatewayFuture() {
    return MultimodalGrpc.newFutureStub(channel);
  }

  /** True if the gateway process runs and answers SERVING on gRPC health. */
  boolean gatewayServing() {
    if (!stack.process("gateway").isAlive()) {
      return false;
    }
    try (HealthProbe probe = new HealthProbe(StackPlan.HOST + ":" + gatewayPort)) {
      return probe.isServing(Duration.ofSeconds(10));
    }
  }

  /** The gateway's {@code /metrics} page (Prometheus text). */
  PrometheusText gatewayMetrics() throws IOException, InterruptedException {
    return metricsAt(StackPlan.HOST + ":" + gatewayAdminPort);
  }

  /** The {@code /metrics} page of the service called {@code name}. */
  PrometheusText metrics(String name) throws IOException, InterruptedException {
    return metricsAt(stack.process(name).spec().adminTarget());
  }

  /**
   * {@code count} texts for call number {@code i}, varied so that no cache can answer them: "a red
   * circle number 17", ...
   */
  static EmbedTextRequest texts(int i, int count) {
    EmbedTextRequest.Builder request = EmbedTextRequest.newBuilder();
    for (int k = 0; k < count; k++) {
      int n = i * count + k;
      request.addTexts(
          "a "
              + COLOURS.get(n % COLOURS.size())
              + " "
              + SHAPES.get(n % SHAPES.size())
              + " number "
              + n);
    }
    return request.build();
  }

  private PrometheusText metricsAt(String adminTarget) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + adminTarget + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET /metrics answered " + response.statusCode());
    }
    return PrometheusText.parse(response.body());
  }

  /** The last lines the services printed, for failure messages. */
  String logTail() {
    logStream.flush();
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "last lines of "
          + log
          + ":\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    for (ServiceSpec spec : stack.specs()) {
      try {
        ServiceProcess process = stack.process(spec.name());
        if (process.isAlive()) {
          process.resume(); // a paused JVM would ignore SIGTERM until the grace runs out
        }
      } catch (IOException e) {
        logStream.println("fault test: cannot resume " + spec.name() + ": " + e);
      }
    }
    if (stack.beginStop()) {
      stack.stop(STOP_GRACE);
    }
    logStream.close();
  }

  /**
   * A gRPC base port and an admin base port whose stack ports (base, + 1, + 11, ... for the
   * replicas) are all free, apart from a developer's stack (50051, 9091) and LocalStackIT's.
   */
  /** The gateway's HTTP port: the gRPC base + 9, which no service of the plan takes. */
  private static final int HTTP_PORT_OFFSET = 9;

  private static int[] freePorts(int textReplicas) {
    for (int candidate = 0; candidate < 40; candidate++) {
      int grpc = 57_051 + candidate * 100;
      int admin = 29_091 + candidate * 100;
      boolean free =
          Ports.isFree(StackPlan.HOST, grpc)
              && Ports.isFree(StackPlan.HOST, admin)
              && Ports.isFree(StackPlan.HOST, grpc + HTTP_PORT_OFFSET);
      for (int r = 0; r < textReplicas; r++) {
        int offset = 1 + r * UpOptions.REPLICA_PORT_STRIDE;
        free &=
            Ports.isFree(StackPlan.HOST, grpc + offset)
                && Ports.isFree(StackPlan.HOST, admin + offset);
      }
      if (free) {
        return new int[] {grpc, admin};
      }
    }
    throw new AssertionError("no free ports for the fault-test stack between 57051 and 61050");
  }

  static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("models/shapes-clip"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no folder above the working directory holds models/shapes-clip");
  }
}
