package io.mmserve.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration file of the local Prometheus that {@code up --observe} starts: one scrape job
 * per module of the stack (job {@code gateway}, {@code text-encoder-svc}, ...), its targets the
 * admin ports of the module's replicas, and the chart's alerting rules file.
 */
final class PrometheusConfig {
  /** The alerting rules, relative to the mmserve checkout (the chart serves the same file). */
  static final Path RULES = Path.of("helm", "mmserve", "files", "prometheus", "rules.yml");

  /** Short, so a local run shows rates within seconds. */
  static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(5);

  private PrometheusConfig() {}

  /**
   * Renders the configuration as YAML.
   *
   * @param services the stack's services; each module becomes one job of its replicas' admin ports
   * @param rules the alerting rules file, absolute
   * @param interval the scrape and rule evaluation interval (whole seconds)
   */
  static String render(List<ServiceSpec> services, Path rules, Duration interval) {
    Map<String, StringBuilder> targets = new LinkedHashMap<>();
    for (ServiceSpec service : services) {
      StringBuilder line = targets.computeIfAbsent(service.module(), m -> new StringBuilder());
      line.append(line.isEmpty() ? "" : ", ").append(quote(service.adminTarget()));
    }
    String seconds = interval.toSeconds() + "s";
    StringBuilder yaml = new StringBuilder();
    yaml.append(
            "# written by ./mmserve up --observe; the stack's admin ports and its alert rules\n")
        .append("global:\n")
        .append("  scrape_interval: ")
        .append(seconds)
        .append("\n  evaluation_interval: ")
        .append(seconds)
        .append("\nrule_files:\n  - ")
        .append(quote(rules.toString()))
        .append("\nscrape_configs:\n");
    targets.forEach(
        (job, list) ->
            yaml.append("  - job_name: ")
                .append(quote(job))
                .append("\n    static_configs:\n      - targets: [")
                .append(list)
                .append("]\n"));
    return yaml.toString();
  }

  /** A YAML double-quoted scalar. */
  private static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
