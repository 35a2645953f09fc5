package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The alert rules as Prometheus's own checker sees them: {@code promtool check rules} on the
 * chart's rules file and {@code promtool test rules} on observability/prometheus/rules_test.yml
 * (input series and the alerts they must and must not fire). promtool comes from Debian's
 * prometheus package, which .ci/system-packages.sh installs for ./mmserve test.
 */
class PrometheusRulesTest {
  private static final Path RULES_TEST = Path.of("observability/prometheus/rules_test.yml");
  private static final Path DEBIAN_PROMTOOL = Path.of("/usr/bin/promtool");

  @Test
  void rules_passPromtoolsChecks() throws IOException, InterruptedException {
    Path root = ReferencePack.repoRoot();
    String promtool = promtool().toString();

    assertPromtoolSucceeds(root, promtool, "check", "rules", MetricReferences.RULES.toString());
  }

  @Test
  void rules_fireAndStaySilentAsTheirUnitTestsExpect() throws IOException, InterruptedException {
    Path root = ReferencePack.repoRoot();
    String promtool = promtool().toString();

    assertPromtoolSucceeds(root, promtool, "test", "rules", RULES_TEST.toString());
  }

  private static void assertPromtoolSucceeds(Path root, String... command)
      throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
    }
    assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + output);
  }

  private static Path promtool() {
    String path = System.getenv("PATH");
    return Stream.concat(
            path == null
                ? Stream.empty()
                : Stream.of(path.split(java.io.File.pathSeparator))
                    .map(d -> Path.of(d, "promtool")),
            Stream.of(DEBIAN_PROMTOOL))
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "promtool is neither on the PATH nor at "
                        + DEBIAN_PROMTOOL
                        + ": install Debian's prometheus package (apt-get install prometheus;"
                        + " ./mmserve test does it through .ci/system-packages.sh)"));
  }
}
