package io.mmserve.stackit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code go} command in a module folder and collects its output (stdout and stderr
 * together). A command that has not finished within {@link #TIMEOUT_MINUTES} is killed and reported
 * with exit code -1. The caller's thread waits; nothing is left running.
 */
final class GoCommand {
  /** Generous: a cold module cache downloads grpc and protobuf, and the machine may be busy. */
  static final long TIMEOUT_MINUTES = 10;

  /** A finished command: its words, exit code and output. */
  record Result(List<String> command, int exitCode, String output) {
    /** The command, its exit code and its output, for an assertion message. */
    String describe() {
      return String.join(" ", command) + " exited " + exitCode + ":\n" + output;
    }
  }

  private GoCommand() {}

  /**
   * Runs {@code go args...} in {@code module} with {@code environment} added to this process's.
   *
   * @throws IOException when {@code go} cannot be started (it is not on the PATH)
   */
  static Result run(Path module, Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("go"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(module.toFile()).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run go (clients/go needs Go on the PATH): " + e.getMessage(), e);
    }
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> read(process));
    boolean finished = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor();
    }
    String text;
    try {
      text = output.get();
    } catch (ExecutionException e) {
      text = "(reading the output failed: " + e.getCause() + ")";
    }
    if (!finished) {
      text += "\n(killed after " + TIMEOUT_MINUTES + " minutes)";
    }
    return new Result(command, finished ? process.exitValue() : -1, text);
  }

  private static String read(Process process) {
    try (InputStream in = process.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(reading the output failed: " + e + ")";
    }
  }
}
