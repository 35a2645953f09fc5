package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrometheusConfigTest {
  private static final Path HOME = Path.of("/opt/mmserve");

  private static List<ServiceSpec> plan(String... args) {
    return StackPlan.services(UpOptions.parse(List.of(args), HOME), HOME, "/jdk/bin/java");
  }

  @Test
  void render_makesOneJobPerModule_withEveryReplicasAdminPort_andTheRules() {
    String config =
        PrometheusConfig.render(
            plan("--text-replicas", "2", "--admin-base-port", "20091"),
            HOME.resolve(PrometheusConfig.RULES),
            Duration.ofSeconds(5));

    assertEquals(
        """
        # written by ./mmserve up --observe; the stack's admin ports and its alert rules
        global:
          scrape_interval: 5s
          evaluation_interval: 5s
        rule_files:
          - "/opt/mmserve/helm/mmserve/files/prometheus/rules.yml"
        scrape_configs:
          - job_name: "text-encoder-svc"
            static_configs:
              - targets: ["127.0.0.1:20092", "127.0.0.1:20102"]
          - job_name: "vision-encoder-svc"
            static_configs:
              - targets: ["127.0.0.1:20093"]
          - job_name: "fusion-svc"
            static_configs:
              - targets: ["127.0.0.1:20094"]
          - job_name: "gallery-svc"
            static_configs:
              - targets: ["127.0.0.1:20095"]
          - job_name: "gateway"
            static_configs:
              - targets: ["127.0.0.1:20091"]
        """,
        config);
  }

  @Test
  void render_quotesPathsThatYamlWouldMisread() {
    String config =
        PrometheusConfig.render(plan(), Path.of("/tmp/a \"b\": c.yml"), Duration.ofSeconds(5));

    assertTrue(config.contains("  - \"/tmp/a \\\"b\\\": c.yml\"\n"), config);
  }

  @Test
  void rulesPath_isTheChartsRulesFile() {
    Path checkout = Path.of("").toAbsolutePath().getParent();
    assertTrue(
        Files.isRegularFile(checkout.resolve(PrometheusConfig.RULES)),
        "no " + PrometheusConfig.RULES + " in " + checkout);
  }

  @Test
  void findBinary_prefersThePath_andSaysHowToInstallWhenMissing(@TempDir Path dir)
      throws IOException, StackException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path prometheus = Files.createFile(bin.resolve("prometheus"));
    prometheus.toFile().setExecutable(true);

    assertEquals(prometheus, LocalPrometheus.findBinary(dir + "/none:" + bin));
    if (!Files.isExecutable(LocalPrometheus.DEBIAN_BINARY)) {
      StackException missing =
          assertThrows(StackException.class, () -> LocalPrometheus.findBinary(dir.toString()));
      assertEquals(
          "--observe needs Prometheus, but there is no prometheus on the PATH nor at"
              + " /usr/bin/prometheus: install Debian's prometheus package (apt-get install"
              + " prometheus)",
          missing.getMessage());
    }
  }
}
