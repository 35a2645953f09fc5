package io.mmserve.kubernetes;

import io.mmserve.kubernetes.Manifest.KubeObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every series the chart's autoscaling reads, taken from a rendered manifest, never hard-coded: the
 * prometheus-adapter rules (the adapter ConfigMap's config.yaml), each HPA's Pods metric through
 * the rule that makes it, and each KEDA ScaledObject's Prometheus query. {@link #problems} compares
 * them with what the services export.
 *
 * <p>In a query, a selector is a name followed by {@code {...}}, or any {@code mmserve_} name; the
 * adapter's {@code <<.Series>>} is the rule's series and its other placeholders are dropped. Labels
 * {@code namespace} and {@code pod} come from the scrape, not from the services.
 */
final class AutoscalingReferences {
  private static final Pattern SELECTOR =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^}]*)}|\\b(mmserve_[a-zA-Z0-9_]+)\\b");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Set<String> SCRAPE_LABELS = Set.of("namespace", "pod");

  /** A label matcher of a selector. */
  record LabelMatcher(String label, String op, String value) {}

  /** A metric and the matchers a query puts on it. */
  record Selector(String metric, List<LabelMatcher> matchers) {}

  /**
   * What one autoscaling object reads.
   *
   * @param source where it is written, for messages
   * @param component the component whose pods it reads; null for any service's
   * @param selectors the series it selects
   */
  record Reference(String source, String component, List<Selector> selectors) {}

  private AutoscalingReferences() {}

  static List<Reference> of(Manifest manifest) {
    List<Map<String, Object>> rules = adapterRules(manifest);
    List<Reference> references = new ArrayList<>();
    for (Map<String, Object> rule : rules) {
      references.add(new Reference("prometheus-adapter rule " + as(rule), null, selectors(rule)));
    }
    for (KubeObject hpa : manifest.ofKind("HorizontalPodAutoscaler")) {
      String component = targetComponent(manifest, hpa);
      for (Object metric : hpa.list("spec", "metrics")) {
        Object name = new KubeObject(cast(metric)).at("pods", "metric", "name");
        if (name == null) {
          continue; // the CPU fallback
        }
        Map<String, Object> rule =
            rules.stream()
                .filter(r -> name.equals(as(r)))
                .findFirst()
                .orElseThrow(
                    () -> new AssertionError(hpa + " reads " + name + ", which no rule makes"));
        references.add(new Reference(hpa + " metric " + name, component, selectors(rule)));
      }
    }
    for (KubeObject scaled : manifest.ofKind("ScaledObject")) {
      String component = targetComponent(manifest, scaled);
      for (Object trigger : scaled.list("spec", "triggers")) {
        KubeObject t = new KubeObject(cast(trigger));
        if ("prometheus".equals(t.string("type"))) {
          String query = t.string("metadata", "query");
          references.add(
              new Reference(scaled + " query " + query, component, selectors(query, null)));
        }
      }
    }
    return references;
  }

  /**
   * What the references name that the services do not export: a metric missing from the page of the
   * component it scales (or from every page), or a label value no exported series has.
   *
   * @param pages each component's metrics page (gateway, text-encoder, ...)
   */
  static List<String> problems(List<Reference> references, Map<String, MetricsPage> pages) {
    MetricsPage everything = pages.values().stream().reduce(MetricsPage::plus).orElseThrow();
    List<String> problems = new ArrayList<>();
    for (Reference reference : references) {
      MetricsPage page =
          reference.component() == null ? everything : pages.get(reference.component());
      String exporter = reference.component() == null ? "any service" : reference.component();
      for (Selector selector : reference.selectors()) {
        List<Map<String, String>> series = page.labelSets(selector.metric());
        if (series.isEmpty()) {
          problems.add(reference.source() + ": " + exporter + " exports no " + selector.metric());
          continue;
        }
        for (LabelMatcher m : selector.matchers()) {
          boolean regex = m.op().equals("=~");
          if ((regex || m.op().equals("="))
              && series.stream().noneMatch(s -> matches(s, m, regex))) {
            problems.add(
                reference.source()
                    + ": no series "
                    + selector.metric()
                    + " of "
                    + exporter
                    + " has "
                    + m.label()
                    + m.op()
                    + "\""
                    + m.value()
                    + "\"");
          }
        }
      }
    }
    return problems;
  }

  private static boolean matches(Map<String, String> series, LabelMatcher m, boolean regex) {
    String value = series.get(m.label());
    return value != null && (regex ? value.matches(m.value()) : value.equals(m.value()));
  }

  /** A rule's series (seriesQuery), checked against name.matches, and its metricsQuery's. */
  private static List<Selector> selectors(Map<String, Object> rule) {
    String seriesQuery = (String) rule.get("seriesQuery");
    List<Selector> selectors = new ArrayList<>(selectors(seriesQuery, null));
    String series = selectors.get(0).metric();
    String matches = (String) new KubeObject(rule).at("name", "matches");
    if (!Pattern.compile(matches).matcher(series).find()) {
      throw new AssertionError(
          "rule " + as(rule) + ": name.matches " + matches + " misses " + series);
    }
    selectors.addAll(selectors((String) rule.get("metricsQuery"), series));
    return selectors;
  }

  static List<Selector> selectors(String query, String series) {
    String filled = series == null ? query : query.replace("<<.Series>>", series);
    filled = filled.replaceAll("<<\\.[A-Za-z]+>>", "");
    List<Selector> selectors = new ArrayList<>();
    Matcher m = SELECTOR.matcher(filled);
    while (m.find()) {
      if (m.group(3) != null) {
        selectors.add(new Selector(m.group(3), List.of()));
        continue;
      }
      List<LabelMatcher> matchers = new ArrayList<>();
      Matcher label = MATCHER.matcher(m.group(2));
      while (label.find()) {
        if (!SCRAPE_LABELS.contains(label.group(1))) {
          matchers.add(new LabelMatcher(label.group(1), label.group(2), label.group(3)));
        }
      }
      selectors.add(new Selector(m.group(1), matchers));
    }
    if (selectors.isEmpty()) {
      throw new AssertionError("no metric in query " + query);
    }
    return selectors;
  }

  private static List<Map<String, Object>> adapterRules(Manifest manifest) {
    return manifest.ofKind("ConfigMap").stream()
        .filter(c -> c.name().endsWith("-prometheus-adapter"))
        .findFirst()
        .map(
            c ->
                new Yaml(new SafeConstructor(new LoaderOptions()))
                    .<Map<String, Object>>load(c.string("data", "config.yaml")))
        .map(
            config ->
                new KubeObject(config)
                    .list("rules").stream().map(AutoscalingReferences::cast).toList())
        .orElse(List.of());
  }

  private static String targetComponent(Manifest manifest, KubeObject autoscaler) {
    String deployment = autoscaler.string("spec", "scaleTargetRef", "name");
    return manifest
        .get("Deployment", deployment)
        .string("metadata", "labels", "app.kubernetes.io/component");
  }

  private static Object as(Map<String, Object> rule) {
    return new KubeObject(rule).at("name", "as");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object map) {
    return (Map<String, Object>) map;
  }
}
