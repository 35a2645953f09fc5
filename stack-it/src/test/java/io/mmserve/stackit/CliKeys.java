package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** API keys made the way an operator makes them: {@code cli.jar keys new}. */
final class CliKeys {
  private CliKeys() {}

  /**
   * Adds a key to {@code file} (created if missing) and returns the key, which the CLI prints once.
   *
   * @param permission "read" or "write"
   */
  static String newKey(Path file, String id, String permission)
      throws IOException, InterruptedException {
    Process keys =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                ReferencePack.repoRoot().resolve("cli/target/cli.jar").toString(),
                "keys",
                "new",
                "--id",
                id,
                "--permissions",
                permission,
                "--file",
                file.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String key = new String(keys.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(keys.waitFor(1, TimeUnit.MINUTES), "keys new did not end within a minute");
    assertEquals(0, keys.exitValue(), "keys new failed");
    return key;
  }
}
