package io.mmserve.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link PrometheusMetrics} against canned answers of Prometheus's query API on loopback. */
class PrometheusMetricsTest {
  private HttpServer server;
  private final List<String> queries = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile String count = "120";
  private volatile String errors = "6";
  private volatile String p99 = "0.25";
  private volatile String newSeries = null;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/api/v1/query",
        exchange -> {
          String query =
              URLDecoder.decode(
                  exchange.getRequestURI().getRawQuery().substring("query=".length()),
                  StandardCharsets.UTF_8);
          queries.add(query);
          String value =
              query.startsWith("histogram_quantile")
                  ? p99
                  : query.startsWith("count(")
                      ? newSeries
                      : query.contains("status=~") ? errors : count;
          String body =
              status != 200
                  ? "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}"
                  : value == null
                      ? "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"
                      : "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                          + "[{\"metric\":{},\"value\":[1733400000.1,\""
                          + value
                          + "\"]}]}}";
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private PrometheusMetrics metrics() {
    return new PrometheusMetrics(
        URI.create("http://127.0.0.1:" + server.getAddress().getPort()), Duration.ofSeconds(5));
  }

  @Test
  void readsRequestsErrorsAndP99OfOneVersion() throws Exception {
    VersionMetrics read = metrics().read("shapes-clip", "2", Duration.ofSeconds(30));
    assertEquals(120, read.requests());
    assertEquals(6, read.errors());
    assertEquals(0.05, read.errorRatio().getAsDouble(), 1e-9);
    assertEquals(0.25, read.p99Seconds().getAsDouble());
    assertEquals(
        List.of(
            "sum(increase(mmserve_gateway_model_requests_seconds_count{model=\"shapes-clip\",version=\"2\"}[30s]))",
            "sum(increase(mmserve_gateway_model_requests_seconds_count{model=\"shapes-clip\",version=\"2\","
                + "status=~\"UNKNOWN|INTERNAL|UNAVAILABLE|DATA_LOSS|UNIMPLEMENTED|DEADLINE_EXCEEDED\"}[30s]))",
            "histogram_quantile(0.99, sum by (le) (rate(mmserve_gateway_model_requests_seconds_bucket"
                + "{model=\"shapes-clip\",version=\"2\",status=\"OK\"}[30s])))",
            "count(count_over_time(mmserve_gateway_model_requests_seconds_count"
                + "{model=\"shapes-clip\",version=\"2\"}[30s]) < 2)"),
        queries);
    assertEquals(0, read.newSeries(), "no series with a single sample");
  }

  @Test
  void countsTheSeriesWithASingleSampleInTheWindow() throws Exception {
    newSeries = "2";
    assertEquals(2, metrics().read("m", "2", Duration.ofSeconds(30)).newSeries());
  }

  @Test
  void noSeriesIsZeroRequestsAndNoP99() throws Exception {
    count = null;
    errors = null;
    p99 = "NaN";
    VersionMetrics read = metrics().read("m", "2", Duration.ofSeconds(30));
    assertEquals(0, read.requests());
    assertTrue(read.errorRatio().isEmpty());
    assertTrue(read.p99Seconds().isEmpty());
  }

  @Test
  void aRefusedQueryAndAnUnreachableServerAreClearErrors() {
    status = 400;
    MetricsUnavailableException refused =
        assertThrows(
            MetricsUnavailableException.class,
            () -> metrics().read("m", "2", Duration.ofSeconds(30)));
    assertTrue(refused.getMessage().contains("refused"), refused.getMessage());
    assertTrue(refused.getMessage().contains("HTTP 400 parse error"), refused.getMessage());

    int port = server.getAddress().getPort();
    server.stop(0);
    MetricsUnavailableException unreachable =
        assertThrows(
            MetricsUnavailableException.class,
            () ->
                new PrometheusMetrics(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2))
                    .read("m", "2", Duration.ofSeconds(30)));
    assertTrue(
        unreachable
            .getMessage()
            .startsWith("Prometheus at http://127.0.0.1:" + port + " is unreachable"),
        unreachable.getMessage());
  }
}
