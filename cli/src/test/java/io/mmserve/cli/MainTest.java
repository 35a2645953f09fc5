package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) throws InterruptedException {
    return Main.run(
        List.of(args),
        Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void run_help_printsUsageAndSucceeds() throws Exception {
    assertEquals(0, run("--help"));
    assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: mmserve COMMAND"));
  }

  @Test
  void run_noCommand_isUsageError() throws Exception {
    assertEquals(Main.USAGE_ERROR, run());
  }

  @Test
  void run_unknownCommand_isUsageErrorNamingIt() throws Exception {
    assertEquals(Main.USAGE_ERROR, run("embed-video", "x"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .startsWith("mmserve embed-video: unknown command 'embed-video'\n"));
  }

  @Test
  void run_badOption_isUsageErrorNamingIt() throws Exception {
    assertEquals(Main.USAGE_ERROR, run("embed-text", "x", "--jsn"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .startsWith("mmserve embed-text: unknown option --jsn\n"));
  }
}
