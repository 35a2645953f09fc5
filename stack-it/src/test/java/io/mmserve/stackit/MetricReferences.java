package io.mmserve.stackit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every metric name that mmserve's operational files refer to, with where each is used: the alert
 * rules (each rule's {@code expr}), the Grafana dashboard (each target's {@code expr} and each
 * variable's {@code label_values(metric, ...)} query) and the chart's autoscaling (the
 * prometheus-adapter rules of values.yaml, whose series and queries the HPA and KEDA templates use;
 * the adapter's {@code <<.Series>>} stands for the rule's series).
 */
final class MetricReferences {
  static final Path RULES = Path.of("helm/mmserve/files/prometheus/rules.yml");
  static final Path DASHBOARD = Path.of("helm/mmserve/files/grafana/mmserve.json");
  static final Path CHART_VALUES = Path.of("helm/mmserve/values.yaml");

  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([^,)\\s{]+)");
  private static final Pattern SERIES_NAME = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*");

  private final Map<String, List<String>> uses = new LinkedHashMap<>();

  private MetricReferences() {}

  /**
   * Reads the three files of the checkout at {@code root}.
   *
   * @return each metric name with the places that use it ("rules.yml MmserveHighErrorRatio")
   */
  static Map<String, List<String>> of(Path root) throws IOException {
    MetricReferences references = new MetricReferences();
    references.rules(load(root.resolve(RULES)));
    references.dashboard(load(root.resolve(DASHBOARD)), "");
    references.autoscaling(load(root.resolve(CHART_VALUES)));
    return references.uses;
  }

  /** The alert names of the rules file, in order. */
  static List<String> alertNames(Path root) throws IOException {
    List<String> names = new ArrayList<>();
    for (Object group : list(load(root.resolve(RULES)).get("groups"))) {
      for (Object rule : list(map(group).get("rules"))) {
        names.add((String) map(rule).get("alert"));
      }
    }
    return names;
  }

  private void rules(Map<String, Object> file) {
    for (Object group : list(file.get("groups"))) {
      for (Object rule : list(map(group).get("rules"))) {
        Map<String, Object> r = map(rule);
        Object name = r.containsKey("alert") ? r.get("alert") : r.get("record");
        add((String) r.get("expr"), "rules.yml " + name);
      }
    }
  }

  /** Walks the dashboard JSON: every "expr", and the variables' label_values queries. */
  private void dashboard(Object node, String where) {
    if (node instanceof Map<?, ?> m) {
      String here = m.get("title") instanceof String title ? title : where;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if ("expr".equals(e.getKey()) && e.getValue() instanceof String expr) {
          add(expr, "dashboard panel \"" + here + "\"");
        } else if ("definition".equals(e.getKey()) && e.getValue() instanceof String query) {
          Matcher metric = LABEL_VALUES.matcher(query);
          while (metric.find()) {
            use(metric.group(1), "dashboard variable " + m.get("name"));
          }
        } else {
          dashboard(e.getValue(), here);
        }
      }
    } else if (node instanceof List<?> l) {
      l.forEach(item -> dashboard(item, where));
    }
  }

  private void autoscaling(Map<String, Object> values) {
    Map<String, Object> adapter = map(map(values.get("autoscaling")).get("prometheusAdapter"));
    for (Object rule : list(adapter.get("rules"))) {
      Map<String, Object> r = map(rule);
      String where = "chart autoscaling rule " + map(r.get("name")).get("as");
      String seriesQuery = (String) r.get("seriesQuery");
      Matcher series = SERIES_NAME.matcher(seriesQuery);
      if (!series.find()) {
        throw new IllegalStateException(where + ": no series in seriesQuery " + seriesQuery);
      }
      add(seriesQuery, where);
      String query =
          ((String) r.get("metricsQuery"))
              .replace("<<.Series>>", series.group())
              .replaceAll("<<\\.[A-Za-z]+>>", "");
      add(query, where);
    }
  }

  private void add(String expression, String where) {
    PromqlMetricNames.of(expression).forEach(name -> use(name, where));
  }

  private void use(String name, String where) {
    List<String> places = uses.computeIfAbsent(name, n -> new ArrayList<>());
    if (!places.contains(where)) {
      places.add(where);
    }
  }

  private static Map<String, Object> load(Path file) throws IOException {
    return new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node) {
    return (Map<String, Object>) node;
  }

  private static List<?> list(Object node) {
    return (List<?>) node;
  }
}
