package io.mmserve.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code up}: runs the local stack in the foreground until SIGINT or SIGTERM, or until a service
 * exits on its own. An encoder replica that exits while other replicas of its encoder run is
 * reported and the stack goes on (so replica failover can be tried by hand); the last one to exit
 * stops the stack.
 *
 * <p>Exit codes: 0 after a requested stop in which every service stopped within the grace; 1 when
 * the stack could not start, a service exited on its own, or a service had to be killed.
 */
final class UpCommand {
  static final int FAILED = 1;

  /** Beyond the grace: time to kill services that overran it and to forward their last lines. */
  private static final Duration STOP_WAIT_MARGIN = Duration.ofSeconds(10);

  private final Path home;
  private final String java;
  private final PrintStream out;
  private final PrintStream err;

  /** The Prometheus of {@code --observe} once started; stopped after the stack. */
  private volatile LocalPrometheus prometheus;

  /**
   * @param home the mmserve checkout (jars under {@code <module>/target/})
   * @param java the java executable the services run on
   */
  UpCommand(Path home, String java, PrintStream out, PrintStream err) {
    this.home = home;
    this.java = java;
    this.out = out;
    this.err = err;
  }

  int run(UpOptions options) throws InterruptedException {
    List<ServiceSpec> services = StackPlan.services(options, home, java);
    Path prometheusBinary = null;
    try {
      if (options.observe()) {
        prometheusBinary = checkCanObserve(options);
      }
      checkCanStart(options, services);
    } catch (StackException e) {
      err.println("mmserve: " + e.getMessage());
      return FAILED;
    }
    ChannelCredentials probes;
    try {
      probes = probeCredentials(options);
    } catch (IOException | UncheckedIOException e) {
      err.println("mmserve: --tls: cannot make the certificates: " + e.getMessage());
      return FAILED;
    }

    LocalStack stack = new LocalStack(services, home, out, probes);
    Thread hook = new Thread(() -> stopOnSignal(stack, options), "mmserve-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(
        "mmserve: starting "
            + services.stream()
                .map(s -> s.name() + " on " + s.target())
                .collect(Collectors.joining(", "))
            + " with model pack "
            + options.modelPack()
            + (options.int8() ? " (int8)" : ""));
    try {
      stack.start();
      stack.awaitServing(
          options.startupTimeout(), s -> out.println("mmserve: " + s.name() + " is SERVING"));
      if (prometheusBinary != null) {
        prometheus =
            LocalPrometheus.start(
                prometheusBinary, rulesFile(), services, options.prometheusPort());
        prometheus.awaitReady(options.startupTimeout());
      }
    } catch (StackException e) {
      return failAndStop(stack, hook, e.getMessage(), options);
    }
    // the ready line last: whoever waits for it (a script, a test) has read the others by then
    options.tlsDir().ifPresent(dir -> out.println(tlsLine(dir)));
    if (prometheus != null) {
      out.println(observeLine(prometheus));
    }
    out.println(readyLine(options));

    ServiceProcess exited = stack.awaitModuleDown(replica -> reportReplicaExit(stack, replica));
    return failAndStop(
        stack,
        hook,
        exited.name() + " exited unexpectedly with code " + exited.exitValue(),
        options);
  }

  private void reportReplicaExit(LocalStack stack, ServiceProcess replica) {
    if (!stack.isStopping()) {
      err.println(
          "mmserve: "
              + replica.name()
              + " exited with code "
              + replica.exitValue()
              + "; the other replicas of "
              + replica.spec().module()
              + " keep serving");
    }
  }

  /**
   * Plaintext, or with {@code --tls}: makes the throwaway CA and the certificates, and returns the
   * credentials of the CLI's own health probes.
   */
  private static ChannelCredentials probeCredentials(UpOptions options) throws IOException {
    if (options.tlsDir().isEmpty()) {
      return InsecureChannelCredentials.create();
    }
    Path dir = options.tlsDir().get();
    LocalCertificates.create(dir, StackPlan.TLS_IDENTITIES, Clock.systemUTC());
    return LocalCertificates.cliCredentials(dir);
  }

  /** With {@code --tls}: where the CA is, for the client commands and any other client. */
  static String tlsLine(Path dir) {
    Path ca = LocalCertificates.caFile(dir);
    return "mmserve: TLS on (mutual TLS between the services; the gateway's gRPC port takes TLS"
        + " without client certificates, and so does its HTTP/JSON port, as HTTPS);"
        + " clients trust "
        + ca
        + " - export "
        + GatewayChannel.CA_FILE_ENV
        + "="
        + ca
        + " (or --ca-file) for ./mmserve's client commands, grpcurl -cacert "
        + ca;
  }

  /** The line that says the stack is ready and how to call it. */
  static String readyLine(UpOptions options) {
    String target = StackPlan.HOST + ":" + options.basePort();
    String targetFlag =
        options.basePort() == UpOptions.DEFAULT_BASE_PORT ? "" : " --target " + target;
    String scheme = options.tlsDir().isPresent() ? "https" : "http"; // the gateway's certificate
    String http = scheme + "://" + StackPlan.HOST + ":" + options.httpPort();
    return "mmserve ready: gateway on "
        + target
        + " - try: ./mmserve embed-text \"a red circle\""
        + targetFlag
        + "  or  grpcurl "
        + options
            .tlsDir()
            .map(dir -> "-cacert " + LocalCertificates.caFile(dir))
            .orElse("-plaintext")
        + " "
        + target
        + " list\nmmserve: HTTP/JSON API on "
        + http
        + "/v1/ (docs/api.md#http), gallery page on "
        + http
        + HTTP_GALLERY_PATH;
  }

  /** The line that says where the Prometheus of {@code --observe} is. */
  static String observeLine(LocalPrometheus prometheus) {
    return "mmserve: Prometheus on "
        + prometheus.url()
        + " (alerts at "
        + prometheus.url()
        + "/alerts; rules "
        + PrometheusConfig.RULES
        + "; data in "
        + prometheus.folder()
        + ", deleted on stop)";
  }

  private Path rulesFile() {
    return home.resolve(PrometheusConfig.RULES).toAbsolutePath();
  }

  /** Checks what {@code --observe} needs and returns the prometheus binary. */
  private Path checkCanObserve(UpOptions options) throws StackException {
    if (!Files.isRegularFile(rulesFile())) {
      throw new StackException("--observe: no alert rules at " + rulesFile());
    }
    checkPortFree("Prometheus", options.prometheusPort(), "--prometheus-port");
    return LocalPrometheus.findBinary(System.getenv("PATH"));
  }

  /** Stops the Prometheus of {@code --observe}, if it was started. */
  private void stopPrometheus() throws InterruptedException {
    LocalPrometheus started = prometheus;
    if (started != null) {
      started.stop();
    }
  }

  /** Where the gateway serves the gallery page. */
  static final String HTTP_GALLERY_PATH = "/gallery/";

  private void checkCanStart(UpOptions options, List<ServiceSpec> services) throws StackException {
    for (ServiceSpec service : services) {
      Path jar = StackPlan.jar(home, service.module());
      if (!Files.isRegularFile(jar)) {
        throw new StackException(
            "missing "
                + jar
                + "; build the jars with: ./mvnw -B -DskipTests package (./mmserve up does this"
                + " when a jar is missing)");
      }
    }
    if (options.gatewayConfig().isPresent()
        && !Files.isRegularFile(options.gatewayConfig().get())) {
      throw new StackException("no gateway config file at " + options.gatewayConfig().get());
    }
    if (!Files.isRegularFile(options.modelPack().resolve("model.json"))) {
      throw new StackException(
          "no model pack at "
              + options.modelPack()
              + " (model.json not found); name one with --model-pack DIR");
    }
    List<ServiceSpec> byPort =
        services.stream().sorted(Comparator.comparingInt(ServiceSpec::grpcPort)).toList();
    for (ServiceSpec service : byPort) {
      checkPortFree(service.name() + " gRPC", service.grpcPort(), "--base-port");
    }
    for (ServiceSpec service : byPort) {
      checkPortFree(service.name() + " admin", service.adminPort(), "--admin-base-port");
    }
    checkPortFree("gateway HTTP", options.httpPort(), "--http-port");
  }

  private static void checkPortFree(String what, int port, String option) throws StackException {
    if (!Ports.isFree(StackPlan.HOST, port)) {
      throw new StackException(
          "port "
              + port
              + " ("
              + what
              + ") is already in use on "
              + StackPlan.HOST
              + ". Is another mmserve stack running? Stop it, or move this one with "
              + option
              + " N");
    }
  }

  /** After a failure on the main thread: stops the stack unless a signal is already doing it. */
  private int failAndStop(LocalStack stack, Thread hook, String message, UpOptions options)
      throws InterruptedException {
    if (!stack.beginStop()) {
      // SIGINT/SIGTERM arrived first: the hook stops the stack and ends the JVM
      hook.join();
      return 0;
    }
    err.println("mmserve: " + message + "; stopping the other services");
    stopPrometheus();
    stack.stop(options.stopGrace());
    err.println("mmserve: stopped");
    return FAILED;
  }

  /**
   * The shutdown hook: on SIGINT or SIGTERM stops the stack and ends the JVM with 0 if every
   * service stopped within the grace. Without the halt the JVM would exit with 128 + the signal; a
   * stop that was asked for and went cleanly is a success. Does nothing when the main thread
   * already stopped the stack and is exiting with its own code.
   */
  private void stopOnSignal(LocalStack stack, UpOptions options) {
    if (!stack.beginStop()) {
      return;
    }
    out.println("mmserve: stopping");
    boolean clean;
    try {
      stopPrometheus();
      clean = stack.stop(options.stopGrace());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      clean = false;
    }
    out.println("mmserve: stopped");
    out.flush();
    err.flush();
    Runtime.getRuntime().halt(clean ? 0 : FAILED);
  }
}
