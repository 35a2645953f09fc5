package io.mmserve.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The local stack as {@code ./mmserve up} runs it ({@code java -jar cli/target/cli.jar up}), on
 * free loopback ports of its own (the gateway's HTTP port among them), the gallery's data in a new
 * folder under {@code target/}. {@link #start} returns once the launcher prints its ready line;
 * {@link #close} stops the launcher with SIGTERM (it stops the services) and, if it has not exited
 * in time, kills every process it started.
 *
 * <p>Ports: the gateway's gRPC port is the base, the text encoder, vision encoder, fusion-svc and
 * gallery-svc take base + 1 to + 4 (as {@code ./mmserve up --base-port}); their admin (metrics)
 * ports count the same way from the admin base; the gateway's HTTP port is base + 9. Needs {@code
 * cli/target/cli.jar} and the services' jars: a module's POM-typed test dependencies on cli and the
 * services (as gallery-it's) make the reactor package them first.
 */
public final class LocalStackProcess implements AutoCloseable {
  /** Generous: five JVMs load their models on a machine that may be busy. */
  private static final long READY_MINUTES = 6;

  private static final long STOP_MINUTES = 2;
  private static final String HOST = "127.0.0.1";
  private static final String READY_PREFIX = "mmserve ready:";

  /** Attempts of {@link #start} when a port was taken between the probe and the bind. */
  private static final int START_ATTEMPTS = 3;

  /** What a service prints when its port was taken after the probe. */
  private static final String PORT_TAKEN = "Address already in use";

  /** The stack's ports, counted from a base: gateway, encoders, fusion, gallery; HTTP last. */
  private static final int BLOCK = 10;

  private static final int HTTP_OFFSET = 9;

  /** The services in port order from the base: gateway, text, vision, fusion, gallery. */
  public static final List<String> SERVICES =
      List.of("gateway", "text-encoder-svc", "vision-encoder-svc", "fusion-svc", "gallery-svc");

  private final Process launcher;
  private final int basePort;
  private final int adminBasePort;
  private final StringBuffer output = new StringBuffer();
  private final List<ProcessHandle> services = new ArrayList<>();
  private Thread reader;

  private LocalStackProcess(Process launcher, int basePort, int adminBasePort) {
    this.launcher = launcher;
    this.basePort = basePort;
    this.adminBasePort = adminBasePort;
  }

  /**
   * Starts the stack and waits for its ready line.
   *
   * @param dataParent the folder under which the gallery's data folder is made
   * @throws IllegalStateException with the launcher's output if it exits or is not ready in time
   */
  public static LocalStackProcess start(Path dataParent) throws IOException, InterruptedException {
    return start(dataParent, List.of(), Map.of());
  }

  /**
   * Starts the stack with more {@code up} options (for example {@code --replicas 2}) and more
   * environment variables for the launcher and the services it starts (for example OTEL_*), and
   * waits for its ready line.
   *
   * @param dataParent the folder under which the gallery's data folder is made
   * @param upOptions appended to the {@code up} command line
   * @param environment added to this process's environment
   * @throws IllegalStateException with the launcher's output if it exits or is not ready in time (a
   *     start that failed only because another process took one of the probed ports is retried on
   *     fresh ports, up to {@value #START_ATTEMPTS} attempts)
   */
  public static LocalStackProcess start(
      Path dataParent, List<String> upOptions, Map<String, String> environment)
      throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce(dataParent, upOptions, environment);
      } catch (IllegalStateException e) {
        // Ports are probed free, then bound by the services a few seconds later: another process
        // on this machine (a parallel build's stack) can take one in between. Start again on the
        // next free block; any other failure is the stack's own.
        if (attempt == START_ATTEMPTS || !e.getMessage().contains(PORT_TAKEN)) {
          throw e;
        }
      }
    }
  }

  private static LocalStackProcess startOnce(
      Path dataParent, List<String> upOptions, Map<String, String> environment)
      throws IOException, InterruptedException {
    Path root = ReferencePack.repoRoot();
    Path cli = root.resolve("cli/target/cli.jar");
    if (!Files.isRegularFile(cli)) {
      throw new IllegalStateException(cli + " is missing; package the modules first");
    }
    // below the kernel's ephemeral range (32768-60999): an outgoing connection of the stack itself
    // cannot take one of its ports between the probe and the bind
    int base = freeBlock(27_051);
    int adminBase = freeBlock(20_091);
    Path data = Files.createTempDirectory(Files.createDirectories(dataParent), "gallery-");
    List<String> command =
        new ArrayList<>(
            List.of(
                javaCommand(),
                "-jar",
                cli.toString(),
                "up",
                "--base-port",
                Integer.toString(base),
                "--admin-base-port",
                Integer.toString(adminBase),
                "--gallery-data",
                data.toString(),
                "--http-port",
                Integer.toString(base + HTTP_OFFSET)));
    command.addAll(upOptions);
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process launcher = builder.start();
    LocalStackProcess stack = new LocalStackProcess(launcher, base, adminBase);
    try {
      stack.awaitReady();
    } catch (RuntimeException | InterruptedException e) {
      stack.close();
      throw e;
    }
    return stack;
  }

  /** The gateway's HTTP address, e.g. {@code http://127.0.0.1:27060}. */
  public String httpUrl() {
    return "http://" + HOST + ":" + (basePort + HTTP_OFFSET);
  }

  /** The gateway's gRPC target, e.g. {@code 127.0.0.1:27051}. */
  public String gatewayTarget() {
    return HOST + ":" + basePort;
  }

  /**
   * The gRPC target of one service (its first replica), e.g. {@code 127.0.0.1:57053}.
   *
   * @param service one of {@link #SERVICES}
   */
  public String target(String service) {
    int index = SERVICES.indexOf(service);
    if (index < 0) {
      throw new IllegalArgumentException(service + " is not one of " + SERVICES);
    }
    return HOST + ":" + (basePort + index);
  }

  /**
   * The Prometheus metrics address of one service, e.g. {@code http://127.0.0.1:20093/metrics}.
   *
   * @param service one of {@link #SERVICES}
   */
  public String metricsUrl(String service) {
    int index = SERVICES.indexOf(service);
    if (index < 0) {
      throw new IllegalArgumentException(service + " is not one of " + SERVICES);
    }
    return "http://" + HOST + ":" + (adminBasePort + index) + "/metrics";
  }

  /** What the launcher and the services printed so far. */
  public String output() {
    return output.toString();
  }

  /** The five services' processes, as the launcher had started them when it was ready. */
  public List<ProcessHandle> serviceProcesses() {
    return List.copyOf(services);
  }

  /** The gRPC and the admin port of each of the five services. */
  public List<Integer> servicePorts() {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < SERVICES.size(); i++) {
      ports.add(basePort + i);
      ports.add(adminBasePort + i);
    }
    return ports;
  }

  /**
   * Stops the launcher with SIGTERM, as a supervisor does, and waits until it has exited and its
   * last lines are in {@link #output()}.
   *
   * @return the launcher's exit status
   * @throws IllegalStateException with the output, after killing every process, if the launcher did
   *     not exit within the stop time
   */
  public int stopGracefully() throws InterruptedException {
    // through the handle: Process.destroy() would also close the pipe of the launcher's last lines
    launcher.toHandle().destroy();
    if (!launcher.waitFor(STOP_MINUTES, TimeUnit.MINUTES)) {
      services.forEach(ProcessHandle::destroyForcibly);
      launcher.destroyForcibly();
      throw new IllegalStateException(
          "the launcher did not exit within " + STOP_MINUTES + " minutes of SIGTERM:\n" + output);
    }
    reader.join(TimeUnit.MINUTES.toMillis(STOP_MINUTES));
    return launcher.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    // SIGTERM, as ./mmserve's Ctrl-C or a supervisor sends it; the launcher stops the services
    launcher.toHandle().destroy();
    if (!launcher.waitFor(STOP_MINUTES, TimeUnit.MINUTES)) {
      services.forEach(ProcessHandle::destroyForcibly);
      launcher.destroyForcibly();
    }
  }

  private void awaitReady() throws InterruptedException {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    reader = new Thread(() -> readLines(lines), "launcher-output");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(READY_MINUTES);
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException(
            "the stack was not ready within " + READY_MINUTES + " minutes:\n" + output);
      }
      String line = lines.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
      if (line != null && line.startsWith(READY_PREFIX)) {
        launcher.toHandle().children().forEach(services::add);
        return;
      }
      if (line == null && !launcher.isAlive() && lines.isEmpty()) {
        throw new IllegalStateException(
            "the launcher exited with " + launcher.exitValue() + " before ready:\n" + output);
      }
    }
  }

  private void readLines(BlockingQueue<String> lines) {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        output.append(line).append('\n');
        lines.add(line);
      }
    } catch (IOException e) {
      output.append("(reading the launcher's output failed: ").append(e).append(")\n");
    }
  }

  /** The first of 20 blocks from {@code first} whose {@value #BLOCK} ports are all free. */
  private static int freeBlock(int first) {
    for (int candidate = 0; candidate < 20; candidate++) {
      int base = first + candidate * BLOCK;
      boolean free = true;
      for (int i = 0; i < BLOCK && free; i++) {
        free = isFree(base + i);
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException(
        "no " + BLOCK + " free ports in a row between " + first + " and " + (first + 20 * BLOCK));
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(HOST, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String javaCommand() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
