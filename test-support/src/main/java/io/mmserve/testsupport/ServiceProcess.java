package io.mmserve.testsupport;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.mmserve.kit.client.GrpcChannels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A service's runnable jar started as a separate process, as integration tests run it: from the
 * checkout's root (so default pack paths work as in local mode), on free loopback ports, without
 * the caller's {@code MMSERVE_*} and {@code *CACHE_DIR*} environment variables (the service must
 * find everything from its flags and defaults), its output in {@code target/it-logs/<name>.log}.
 * {@link #start} returns once the service's gRPC health reports SERVING. The caller closes it.
 */
public final class ServiceProcess implements AutoCloseable {
  /** How long a service may take to load its model and report SERVING. */
  public static final long START_SECONDS = 120;

  /** The system property that names the jar; else {@code target/<service>.jar}. */
  public static final String JAR_PROPERTY = "mmserve.service.jar";

  private static final int MAX_MESSAGE_BYTES = 64 << 20;

  private static final String LOOPBACK = "127.0.0.1";

  private final String host;
  private final int grpcPort;
  private final int adminPort;
  private final Path log;
  private final Process process;
  private final ManagedChannel channel;

  private ServiceProcess(String host, int grpcPort, int adminPort, Path log, Process process) {
    this.host = host;
    this.grpcPort = grpcPort;
    this.adminPort = adminPort;
    this.log = log;
    this.process = process;
    this.channel = GrpcChannels.plaintext(host + ":" + grpcPort, MAX_MESSAGE_BYTES);
  }

  /**
   * Starts the jar of {@code service} (its artifact id, e.g. "fusion-svc"), run from the module's
   * folder, with {@code --grpc.port}, {@code --admin.port} and {@code flags} (--key=value).
   *
   * @param name names the log file
   * @throws IllegalStateException if the jar is missing, or the service exits or does not report
   *     SERVING within {@link #START_SECONDS} (with its log)
   */
  public static ServiceProcess start(String service, String name, String... flags)
      throws IOException {
    Path jar =
        Path.of(System.getProperty(JAR_PROPERTY, "target/" + service + ".jar")).toAbsolutePath();
    return startJar(jar, name, flags);
  }

  /**
   * Starts a service's runnable {@code jar} as {@link #start} does, for a test that runs the jars
   * of several services (the gateway's discovery tests run the gateway and text-encoder-svc).
   *
   * @param name names the log file
   * @throws IllegalStateException if the jar is missing, or the service exits or does not report
   *     SERVING within {@link #START_SECONDS} (with its log)
   */
  public static ServiceProcess startJar(Path jar, String name, String... flags) throws IOException {
    return startJarIn(List.of(), LOOPBACK, jar, name, flags);
  }

  /**
   * Starts a service's runnable {@code jar} through {@code launcher} (for example {@code ip netns
   * exec NAME}, to run it in a network namespace the test made), bound to {@code host} ({@code
   * --grpc.host}, {@code --admin.host}), where the test reaches it.
   *
   * @param launcher the command that runs {@code java}; empty: none
   * @param name names the log file
   * @throws IllegalStateException if the jar is missing, or the service exits or does not report
   *     SERVING within {@link #START_SECONDS} (with its log)
   */
  public static ServiceProcess startJarIn(
      List<String> launcher, String host, Path jar, String name, String... flags)
      throws IOException {
    Path moduleDir = Path.of("").toAbsolutePath();
    String service = jar.getFileName().toString();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing; run the package phase first");
    }
    Path log = Files.createDirectories(moduleDir.resolve("target/it-logs")).resolve(name + ".log");
    int[] ports = freePorts();
    int grpcPort = ports[0];
    int adminPort = ports[1];
    List<String> command = new ArrayList<>(launcher);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Djava.io.tmpdir=" + moduleDir.resolve("target/tmp"));
    command.add("-jar");
    command.add(jar.toString());
    command.add("--grpc.port=" + grpcPort);
    command.add("--admin.port=" + adminPort);
    if (!host.equals(LOOPBACK)) {
      command.add("--grpc.host=" + host);
      command.add("--admin.host=" + host);
    }
    command.addAll(List.of(flags));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(ReferencePack.repoRoot().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("MMSERVE_") || k.contains("CACHE_DIR"));
    ServiceProcess started = new ServiceProcess(host, grpcPort, adminPort, log, builder.start());
    // A process that dies while starting ends the wait for SERVING at once.
    started.process.onExit().thenRun(started.channel::shutdownNow);
    try {
      started.awaitServing();
    } catch (RuntimeException e) {
      started.close();
      throw new IllegalStateException(
          service + " did not start; its log:\n" + started.logText(), e);
    }
    return started;
  }

  /**
   * The address the service binds and the test reaches it at: 127.0.0.1, or {@link #startJarIn}'s
   * host.
   */
  public String host() {
    return host;
  }

  public int grpcPort() {
    return grpcPort;
  }

  public int adminPort() {
    return adminPort;
  }

  /** A plaintext channel to the service, shut down by {@link #close}. */
  public ManagedChannel channel() {
    return channel;
  }

  public Process process() {
    return process;
  }

  /** The service's overall health now: one Check with a 10 s deadline. */
  public ServingStatus health() {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  /**
   * Polls {@link #health()} every 100 ms until it is {@code wanted} or {@code timeout} has passed.
   *
   * @return the last answer
   */
  public ServingStatus awaitHealth(ServingStatus wanted, Duration timeout)
      throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    ServingStatus now = health();
    while (now != wanted && System.nanoTime() < until) {
      Thread.sleep(100);
      now = health();
    }
    return now;
  }

  /** Everything the service has written so far. */
  public String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Sends SIGTERM and waits up to {@code seconds} for the process to exit.
   *
   * @return its exit code
   * @throws IllegalStateException with the log, if it still runs after {@code seconds}
   */
  public int terminate(long seconds) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "still running " + seconds + "s after SIGTERM; its log:\n" + logText());
    }
    return process.exitValue();
  }

  /** Shuts the channel down and kills the process if it still runs. */
  @Override
  public void close() {
    channel.shutdownNow();
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  /**
   * Waits through the health Watch stream (no polling) until SERVING, then cancels the stream: an
   * open stream would hold a graceful shutdown for its whole grace period.
   */
  private void awaitServing() {
    Context.CancellableContext watch = Context.current().withCancellation();
    try {
      watch.run(
          () -> {
            Iterator<HealthCheckResponse> statuses =
                HealthGrpc.newBlockingStub(channel)
                    .withWaitForReady()
                    .withDeadlineAfter(START_SECONDS, TimeUnit.SECONDS)
                    .watch(HealthCheckRequest.newBuilder().setService("").build());
            while (statuses.hasNext()) {
              if (statuses.next().getStatus() == ServingStatus.SERVING) {
                return;
              }
            }
            throw new IllegalStateException("health stream ended before SERVING");
          });
    } finally {
      watch.cancel(null);
    }
  }

  /**
   * Two free ports, distinct: both sockets are open while their ports are read. Taken one after the
   * other, the kernel may hand out the same port twice, and the service then fails to bind its
   * second server (GalleryDurabilityIT failed that way once).
   */
  private static int[] freePorts() throws IOException {
    try (ServerSocket first = new ServerSocket(0);
        ServerSocket second = new ServerSocket(0)) {
      return new int[] {first.getLocalPort(), second.getLocalPort()};
    }
  }
}
