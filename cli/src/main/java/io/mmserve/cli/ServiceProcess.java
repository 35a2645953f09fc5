package io.mmserve.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One running service: its child process and the thread that forwards the child's output (stdout
 * and stderr merged), each line prefixed with the service's label.
 */
final class ServiceProcess {
  private final ServiceSpec spec;
  private final Process process;
  private final Thread output;

  private ServiceProcess(ServiceSpec spec, Process process, Thread output) {
    this.spec = spec;
    this.process = process;
    this.output = output;
  }

  /**
   * Starts the service's command in {@code workDir}.
   *
   * @param out where the prefixed output lines go
   * @throws IOException if the command cannot be started
   */
  static ServiceProcess start(ServiceSpec spec, Path workDir, PrintStream out) throws IOException {
    Process process =
        new ProcessBuilder(spec.command())
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .start();
    process.getOutputStream().close();
    Thread output =
        new Thread(
            () -> forward(spec.label(), process, out), "mmserve-" + spec.label() + "-output");
    output.setDaemon(true);
    output.start();
    return new ServiceProcess(spec, process, output);
  }

  ServiceSpec spec() {
    return spec;
  }

  String name() {
    return spec.name();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The exit code; only once the process has exited. */
  int exitValue() {
    return process.exitValue();
  }

  long pid() {
    return process.pid();
  }

  CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  /** Asks the service to stop (SIGTERM on Unix): it finishes in-flight calls and exits. */
  void requestStop() {
    // through the handle: Process.destroy() would also close the output pipe, and the service's
    // last lines (how its shutdown went) would be lost
    process.toHandle().destroy();
  }

  /** Kills the service (SIGKILL on Unix). */
  void kill() {
    process.destroyForcibly();
  }

  /**
   * Freezes the service with SIGSTOP: it keeps its sockets open but answers nothing, as a hung or
   * overloaded server does. {@link #resume()} undoes it. Unix only.
   *
   * @throws IOException if {@code kill} cannot be run or fails
   */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Lets a {@link #pause() paused} service run again (SIGCONT). */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    String output = new String(kill.getInputStream().readAllBytes(), Charset.defaultCharset());
    if (kill.waitFor() != 0) {
      throw new IOException(
          "kill -" + name + " " + process.pid() + " (" + spec.name() + ") failed: " + output);
    }
  }

  /** Waits up to {@code timeout} for the process to exit; true if it has. */
  boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Waits up to {@code timeout} until the last output line of an exited process is forwarded. */
  void awaitOutput(Duration timeout) throws InterruptedException {
    output.join(Math.max(1, timeout.toMillis()));
  }

  private static void forward(String label, Process process, PrintStream out) {
    String prefix = "[" + label + "] ";
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), Charset.defaultCharset()))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        out.println(prefix + line);
      }
    } catch (IOException e) {
      // the stream closes when the process is killed; anything else is worth a line
      if (process.isAlive()) {
        out.println(prefix + "(mmserve: no more output from this service: " + e + ")");
      }
    }
  }
}
