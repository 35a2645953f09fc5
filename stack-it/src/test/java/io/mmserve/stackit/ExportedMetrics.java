package io.mmserve.stackit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The metric names of Prometheus text pages ({@code GET /metrics}): the sample names, and the
 * families declared histogram or summary, whose {@code _bucket}, {@code _sum} and {@code _count}
 * series a query may select before the first observation.
 */
record ExportedMetrics(Set<String> samples, Map<String, String> types) {
  private static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_sum", "_count");

  ExportedMetrics {
    samples = Set.copyOf(samples);
    types = Map.copyOf(types);
  }

  /** Scrapes each page and merges what they export. */
  static ExportedMetrics scrape(List<String> urls) throws IOException, InterruptedException {
    StringBuilder all = new StringBuilder();
    try (HttpClient http = HttpClient.newHttpClient()) {
      for (String url : urls) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IOException("GET " + url + " answered " + response.statusCode());
        }
        all.append(response.body()).append('\n');
      }
    }
    return parse(all.toString());
  }

  static ExportedMetrics parse(String text) {
    Set<String> samples = new HashSet<>();
    Map<String, String> types = new HashMap<>();
    for (String line : text.lines().toList()) {
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        types.put(parts[2], parts[3]);
      } else if (!line.isBlank() && !line.startsWith("#")) {
        int end = 0;
        while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
          end++;
        }
        samples.add(line.substring(0, end));
      }
    }
    return new ExportedMetrics(samples, types);
  }

  /** Whether a query selecting {@code name} finds series here (now, or once observed). */
  boolean exports(String name) {
    if (samples.contains(name)) {
      return true;
    }
    for (String suffix : HISTOGRAM_SUFFIXES) {
      if (name.endsWith(suffix)) {
        String type = types.get(name.substring(0, name.length() - suffix.length()));
        if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
          return true;
        }
      }
    }
    return false;
  }
}
