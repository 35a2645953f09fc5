package io.mmserve.triton;

import io.mmserve.testsupport.ReferencePack;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real Triton for integration tests: triton/serve.py (PyTriton's bundled tritonserver serving the
 * pack's encoders) on loopback, on free ports. {@link #start()} returns once the script reports
 * every model ready; {@link #stop()} sends SIGTERM, waits, and then kills whatever of the process
 * tree is left. The server's stderr and stdout (where PyTriton copies tritonserver's log) go to
 * {@code target/triton-PORT.log} and {@code target/triton-PORT.out.log}.
 *
 * <p>The venv comes from the system property {@code mmserve.triton.venv}, else {@code triton/.venv}
 * of the checkout; {@code triton/setup.sh} creates it.
 */
public final class TritonServerProcess implements AutoCloseable {
  private static final long START_TIMEOUT_SECONDS = 180;
  private static final long STOP_TIMEOUT_SECONDS = 30;
  private static final String READY_MARKER = "triton serving grpc=";

  private final Path pack;
  private final int grpcPort;
  private final int httpPort;
  private final int metricsPort;
  private final List<String> extraArgs;
  private final Path log;
  private final Path stdoutLog;
  private Process process;
  private int starts;

  public TritonServerProcess(Path pack, List<String> extraArgs) {
    this.pack = pack;
    this.grpcPort = freePort();
    this.httpPort = freePort();
    this.metricsPort = freePort();
    this.extraArgs = List.copyOf(extraArgs);
    this.log = Path.of("target", "triton-" + grpcPort + ".log").toAbsolutePath();
    this.stdoutLog = Path.of("target", "triton-" + grpcPort + ".out.log").toAbsolutePath();
  }

  /** A server for the bundled pack. */
  public static TritonServerProcess forBundledPack() {
    return new TritonServerProcess(ReferencePack.dir(), List.of());
  }

  /** The gRPC target, "127.0.0.1:PORT"; the same across restarts. */
  public String target() {
    return "127.0.0.1:" + grpcPort;
  }

  /** The venv with PyTriton, as triton/setup.sh makes it. */
  public static Path venv() {
    String configured = System.getProperty("mmserve.triton.venv");
    Path venv =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : ReferencePack.repoRoot().resolve("triton/.venv");
    if (!Files.isExecutable(venv.resolve("bin/python"))) {
      throw new IllegalStateException(
          "no PyTriton venv at " + venv + "; run triton/setup.sh (./mmserve test does)");
    }
    return venv;
  }

  /** Starts the server and waits until it serves every model. */
  public synchronized TritonServerProcess start() throws IOException, InterruptedException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("already running");
    }
    Files.createDirectories(log.getParent());
    List<String> command = new ArrayList<>();
    command.add(venv().resolve("bin/python").toString());
    command.add(ReferencePack.repoRoot().resolve("triton/serve.py").toString());
    command.addAll(
        List.of(
            "--pack", pack.toString(),
            "--host", "127.0.0.1",
            "--grpc-port", Integer.toString(grpcPort),
            "--http-port", Integer.toString(httpPort),
            "--metrics-port", Integer.toString(metricsPort)));
    command.addAll(extraArgs);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
    builder.redirectError(
        starts++ == 0
            ? ProcessBuilder.Redirect.to(log.toFile())
            : ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = builder.start();
    CompletableFuture<Void> serving = new CompletableFuture<>();
    Process started = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                      new BufferedReader(
                          new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
                  Writer copy =
                      Files.newBufferedWriter(
                          stdoutLog,
                          StandardCharsets.UTF_8,
                          StandardOpenOption.CREATE,
                          StandardOpenOption.APPEND)) {
                String line;
                while ((line = out.readLine()) != null) {
                  copy.write(line);
                  copy.write('\n');
                  copy.flush();
                  if (line.contains(READY_MARKER)) { // PyTriton may print its log on the same line
                    serving.complete(null);
                  }
                }
                serving.completeExceptionally(
                    new IllegalStateException(
                        "serve.py exited before serving; see " + log + " and " + stdoutLog));
              } catch (IOException e) {
                serving.completeExceptionally(new UncheckedIOException(e));
              }
            },
            "triton-stdout-" + grpcPort);
    reader.setDaemon(true);
    reader.start();
    try {
      serving.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      stop();
      throw new IllegalStateException(
          "Triton did not serve within "
              + START_TIMEOUT_SECONDS
              + " s ("
              + e
              + "); see "
              + log
              + " and "
              + stdoutLog,
          e);
    }
    return this;
  }

  /** True between {@link #start()} and {@link #stop()}. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the server and every process it started; waits until they are gone. */
  public synchronized void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    process.destroy(); // SIGTERM: serve.py stops Triton and its model proxies
    if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    for (ProcessHandle child : tree) {
      if (child.isAlive()) {
        child.destroyForcibly();
        child.onExit().join();
      }
    }
    process = null;
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
