package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kubernetes.Manifest.KubeObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The chart's alert rules and dashboard as {@code helm template} renders them: a PrometheusRule
 * only where the cluster serves the Prometheus Operator's API (or when forced), a ConfigMap with
 * Grafana's sidecar label, each behind its switch, each carrying the committed file unchanged.
 * {@link ChartInstallIT} installs the defaults into a cluster without the operator's CRDs.
 */
class ChartObservabilityIT {
  static final String PROMETHEUS_RULE_API = "monitoring.coreos.com/v1/PrometheusRule";
  static final String DASHBOARD = ChartRenderingIT.RELEASE + "-grafana-dashboard";

  private static Helm helm;

  @BeforeAll
  static void findHelm() {
    helm = Helm.offline(Path.of("target/helm-home").toAbsolutePath());
  }

  private static Manifest render(Values values) {
    return helm.template(ChartRenderingIT.RELEASE, ChartRenderingIT.NAMESPACE, values);
  }

  private static String chartFile(String path) throws IOException {
    return Files.readString(Helm.chartDir().resolve(path));
  }

  @Test
  void prometheusRule_isRenderedOnlyWhereTheOperatorsApiIsServed_orForced() {
    assertEquals(List.of(), render(Values.DEFAULTS).ofKind("PrometheusRule"));
    assertEquals(
        1,
        render(Values.DEFAULTS.assumingApi(PROMETHEUS_RULE_API)).ofKind("PrometheusRule").size());
    assertEquals(
        1,
        render(Values.DEFAULTS.set("metrics.prometheusRule.force=true"))
            .ofKind("PrometheusRule")
            .size());
    assertEquals(
        List.of(),
        render(
                Values.DEFAULTS
                    .assumingApi(PROMETHEUS_RULE_API)
                    .set("metrics.prometheusRule.enabled=false"))
            .ofKind("PrometheusRule"));
  }

  @Test
  void prometheusRule_carriesTheCommittedRules_andItsLabels() throws IOException {
    Manifest manifest =
        render(
            Values.DEFAULTS
                .assumingApi(PROMETHEUS_RULE_API)
                .set("metrics.prometheusRule.labels.release=kube-prometheus-stack"));
    KubeObject rule = manifest.get("PrometheusRule", ChartRenderingIT.RELEASE);
    Map<String, Object> committed =
        new Yaml(new SafeConstructor(new LoaderOptions()))
            .load(chartFile("files/prometheus/rules.yml"));

    assertEquals("monitoring.coreos.com/v1", rule.apiVersion());
    assertEquals(committed, rule.map("spec"));
    assertEquals("kube-prometheus-stack", rule.string("metadata", "labels", "release"));
    assertEquals("mmserve", rule.string("metadata", "labels", "app.kubernetes.io/part-of"));
  }

  @Test
  void dashboard_isAConfigMapWithTheSidecarLabel_carryingTheCommittedJson() throws IOException {
    KubeObject configMap = render(Values.DEFAULTS).get("ConfigMap", DASHBOARD);

    assertEquals("1", configMap.string("metadata", "labels", "grafana_dashboard"));
    assertEquals(
        chartFile("files/grafana/mmserve.json").strip(), configMap.string("data", "mmserve.json"));
  }

  @Test
  void dashboard_followsItsSwitchLabelsAndAnnotations() {
    assertTrue(
        render(Values.DEFAULTS.set("metrics.grafanaDashboard.enabled=false"))
            .find("ConfigMap", DASHBOARD)
            .isEmpty());
    KubeObject moved =
        render(
                Values.DEFAULTS.set(
                    "metrics.grafanaDashboard.labels.dashboards=mmserve",
                    "metrics.grafanaDashboard.annotations.grafana_folder=Serving"))
            .get("ConfigMap", DASHBOARD);
    assertEquals("mmserve", moved.string("metadata", "labels", "dashboards"));
    assertEquals("Serving", moved.string("metadata", "annotations", "grafana_folder"));
  }

  @Test
  void lint_isCleanWithTheRuleForced() {
    Helm.Result lint = helm.lint(Values.DEFAULTS.set("metrics.prometheusRule.force=true"));
    assertTrue(lint.succeeded(), lint::output);
    assertTrue(lint.output().contains("0 chart(s) failed"), lint::output);
  }
}
