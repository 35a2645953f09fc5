package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.Poll;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ShapePictures;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against a running local stack started with {@code --observe}: every metric name that an alert
 * rule, the dashboard or the chart's autoscaling refers to is exported by some service (so a rename
 * cannot leave a silent panel or a dead alert), and the local Prometheus scrapes every service and
 * has loaded the rules.
 */
class MetricNamesIT {
  private static final Duration PROMETHEUS_WAIT = Duration.ofMinutes(2);

  private static LocalStackProcess stack;
  private static String prometheus;

  @BeforeAll
  static void startStackAndCallIt() throws Exception {
    int port = freePort();
    prometheus = "http://127.0.0.1:" + port;
    stack =
        LocalStackProcess.start(
            Path.of("target/stack-it"),
            List.of("--observe", "--prometheus-port", Integer.toString(port)),
            Map.of());
    // one call of each kind, so the per-method, per-batcher and per-model series exist
    String png = Base64.getEncoder().encodeToString(ShapePictures.png("red", "circle"));
    post("/v1/texts:embed", "{\"texts\": [\"a red circle\"]}", 200);
    post("/v1/images:embed", "{\"images\": [{\"encoded\": \"" + png + "\"}]}", 200);
    post(
        "/v1/images:classify",
        "{\"images\": [{\"encoded\": \"" + png + "\"}], \"labels\": [\"red circle\", \"star\"]}",
        200);
    post("/v1/images:embed", "{\"images\": [{\"encoded\": \"AAAA\"}]}", 400);
    post("/v1/collections/metrics/items", "{\"items\": [{\"id\": \"a\", \"text\": \"x\"}]}", 200);
    post("/v1/collections/metrics:search", "{\"text\": \"x\", \"topK\": 1}", 200);
  }

  @AfterAll
  static void stopStack() throws InterruptedException {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void everyMetricTheRulesDashboardAndAutoscalingUse_isExported() throws Exception {
    Map<String, List<String>> references = MetricReferences.of(ReferencePack.repoRoot());
    List<String> urls = LocalStackProcess.SERVICES.stream().map(stack::metricsUrl).toList();
    ExportedMetrics exported = ExportedMetrics.scrape(urls);

    List<String> missing = new ArrayList<>();
    references.forEach(
        (name, places) -> {
          if (!exported.exports(name)) {
            missing.add(name + " (used by " + String.join(", ", places) + ")");
          }
        });
    assertTrue(
        references
            .keySet()
            .containsAll(
                Set.of(
                    "mmserve_grpc_server_requests_seconds_bucket",
                    "mmserve_batch_queue_seconds_sum",
                    "mmserve_backend_circuit_state",
                    "jvm_memory_used_bytes")),
        "the references miss names they surely use: " + references.keySet());
    assertEquals(List.of(), missing, "metrics that no service of the stack exports: " + missing);
  }

  @Test
  void observe_scrapesEveryServiceAndLoadsTheRules() throws Exception {
    assertTrue(stack.output().contains("mmserve: Prometheus on " + prometheus), stack.output());
    Set<String> jobs = new TreeSet<>();
    for (String service : LocalStackProcess.SERVICES) {
      jobs.add(service);
    }
    Set<String> up =
        poll(
            "every service's target up on " + prometheus + "/targets",
            () -> {
              Set<String> healthy = new TreeSet<>();
              for (Object target : list(data(get("/api/v1/targets")).get("activeTargets"))) {
                Map<String, Object> t = map(target);
                if ("up".equals(t.get("health"))) {
                  healthy.add((String) map(t.get("labels")).get("job"));
                }
              }
              return healthy.equals(jobs) ? healthy : null;
            });
    assertEquals(jobs, up);

    List<String> rules = new ArrayList<>();
    for (Object group : list(data(get("/api/v1/rules")).get("groups"))) {
      for (Object rule : list(map(group).get("rules"))) {
        rules.add((String) map(rule).get("name"));
      }
    }
    assertEquals(MetricReferences.alertNames(ReferencePack.repoRoot()), rules);

    String query =
        "sum(mmserve_grpc_server_requests_seconds_count{method=\"mmserve.v1.Multimodal/EmbedText\"})";
    poll(
        "the EmbedText call counted in Prometheus",
        () -> {
          List<?> result =
              list(
                  data(get(
                          "/api/v1/query?query="
                              + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                      .get("result"));
          return result.isEmpty() ? null : result;
        });
  }

  /** The probe's first non-null answer within {@link #PROMETHEUS_WAIT}, else a failure. */
  private static <T> T poll(String condition, Callable<T> probe) throws InterruptedException {
    try {
      return Poll.until(condition, PROMETHEUS_WAIT, probe, Objects::nonNull);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + stack.output(), e);
    }
  }

  private static Map<String, Object> data(String json) {
    Map<String, Object> response = map(new org.yaml.snakeyaml.Yaml().load(json));
    assertEquals("success", response.get("status"), json);
    return map(response.get("data"));
  }

  private static String get(String path) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(prometheus + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), path + ": " + response.body());
      return response.body();
    }
  }

  private static void post(String path, String json, int status)
      throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(stack.httpUrl() + path))
                  .header("content-type", "application/json")
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.ofString(json))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(status, response.statusCode(), path + ": " + response.body());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node) {
    return (Map<String, Object>) node;
  }

  private static List<?> list(Object node) {
    return (List<?>) node;
  }
}
