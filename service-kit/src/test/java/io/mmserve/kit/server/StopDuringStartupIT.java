package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while a service is still being built (its models loading) stops it at once with status 0
 * and a line naming the signal, in a real JVM: without the start-up handlers the JVM's own exit
 * (status 143) would run under the loading thread, which crashes a native model load.
 */
class StopDuringStartupIT {
  private static final long WAIT_SECONDS = 60;

  /** A service whose assembly never finishes: it says so on stdout and waits. */
  public static final class SlowStartMain {
    public static void main(String[] args) {
      ServiceRunner<Integer> runner =
          new ServiceRunner<>(
              "slow-svc",
              ServerConfig.defaults(0, 0),
              config -> 1,
              (own, startup) -> {
                System.out.println("building");
                System.out.flush();
                Thread.sleep(TimeUnit.SECONDS.toMillis(WAIT_SECONDS * 10));
                return ServiceParts.of(new TestService());
              });
      System.exit(runner.run(args));
    }
  }

  @Test
  void sigtermWhileBuilding_exitsWithZeroAndSaysSo(@TempDir Path dir) throws Exception {
    Path stderr = dir.resolve("stderr");
    Process child =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    SlowStartMain.class.getName(),
                    "--grpc.port=0",
                    "--admin.port=0"))
            .directory(dir.toFile())
            .redirectError(stderr.toFile())
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals("building")) {
        // the config log comes first
      }
      assertEquals("building", line, "the child never began building");

      child.destroy(); // SIGTERM

      assertTrue(child.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "still running after SIGTERM");
    } finally {
      child.destroyForcibly();
    }
    String errors = Files.readString(stderr);
    assertEquals(0, child.exitValue(), errors);
    assertTrue(errors.contains("slow-svc: stopped by SIGTERM during start-up"), errors);
    try (var files = Files.list(dir)) {
      assertEquals(List.of(stderr), files.toList(), "no other file (such as hs_err_pid*.log)");
    }
  }
}
