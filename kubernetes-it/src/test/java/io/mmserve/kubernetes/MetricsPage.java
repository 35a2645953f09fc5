package io.mmserve.kubernetes;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series of a Prometheus text page ({@code GET /metrics} of a service's admin port): for each
 * metric name, the label sets it is exported with.
 */
record MetricsPage(
    Map<String, List<Map<String, String>>> series,
    Map<String, Map<Map<String, String>, Double>> values) {
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  MetricsPage {
    series = Map.copyOf(series);
    values = Map.copyOf(values);
  }

  /** Scrapes {@code http://host:port/metrics}. */
  static MetricsPage scrape(String hostPort) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://" + hostPort + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("GET /metrics of " + hostPort + " answered " + response.statusCode());
      }
      return parse(response.body());
    }
  }

  static MetricsPage parse(String text) {
    Map<String, List<Map<String, String>>> series = new HashMap<>();
    Map<String, Map<Map<String, String>, Double>> values = new HashMap<>();
    for (String line : text.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      int end = brace >= 0 && brace < space ? brace : space;
      String name = line.substring(0, end);
      Map<String, String> labels = new LinkedHashMap<>();
      if (end == brace) {
        Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
        while (m.find()) {
          labels.put(m.group(1), m.group(2));
        }
      }
      series.computeIfAbsent(name, n -> new ArrayList<>()).add(labels);
      String[] rest =
          line.substring(line.lastIndexOf(end == brace ? '}' : ' ') + 1).strip().split(" ");
      values.computeIfAbsent(name, n -> new HashMap<>()).put(labels, Double.parseDouble(rest[0]));
    }
    return new MetricsPage(series, values);
  }

  Set<String> names() {
    return series.keySet();
  }

  /** The label sets of {@code name}; empty when the page does not export it. */
  List<Map<String, String>> labelSets(String name) {
    return series.getOrDefault(name, List.of());
  }

  /** The value of each series of {@code name}, by its labels; empty when not exported. */
  Map<Map<String, String>, Double> values(String name) {
    return values.getOrDefault(name, Map.of());
  }

  /** The series of both pages (a series on both keeps this page's value). */
  MetricsPage plus(MetricsPage other) {
    Map<String, List<Map<String, String>>> all = new HashMap<>();
    series.forEach((k, v) -> all.computeIfAbsent(k, n -> new ArrayList<>()).addAll(v));
    other.series.forEach((k, v) -> all.computeIfAbsent(k, n -> new ArrayList<>()).addAll(v));
    Map<String, Map<Map<String, String>, Double>> allValues = new HashMap<>();
    other.values.forEach((k, v) -> allValues.computeIfAbsent(k, n -> new HashMap<>()).putAll(v));
    values.forEach((k, v) -> allValues.computeIfAbsent(k, n -> new HashMap<>()).putAll(v));
    return new MetricsPage(all, allValues);
  }
}
