package io.mmserve.stackit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A command run to its end with its output (stdout and stderr merged) captured in a file, bounded
 * by a time limit after which it is killed. The output is read once the process has ended, so a
 * chatty process cannot block on a full pipe.
 *
 * @param exitCode the process's exit code
 * @param output what it printed
 */
record ProcessRun(int exitCode, String output) {
  /**
   * Runs {@code command} in {@code directory} with {@code environment} added to this process's.
   *
   * @param log where the output is written (its folder must exist)
   * @throws AssertionError with the output so far if the command does not end within {@code
   *     minutes}
   */
  static ProcessRun of(
      List<String> command, Path directory, Map<String, String> environment, Path log, long minutes)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
      process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor();
      throw new AssertionError(
          command + " did not end within " + minutes + " minutes:\n" + read(log));
    }
    return new ProcessRun(process.exitValue(), read(log));
  }

  /** Throws an AssertionError showing the command's output unless it exited with 0. */
  ProcessRun assertSucceeded(String what) {
    if (exitCode != 0) {
      throw new AssertionError(what + " exited with " + exitCode + ":\n" + output);
    }
    return this;
  }

  private static String read(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
