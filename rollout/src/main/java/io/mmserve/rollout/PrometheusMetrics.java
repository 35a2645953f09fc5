package io.mmserve.rollout;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * Reads the gateway's per-version request timer ({@value #METRIC}{@code _count}/{@code _bucket},
 * labels {@code method}, {@code model}, {@code version}, {@code status}) through Prometheus's HTTP
 * API ({@code GET /api/v1/query}, instant queries). Four queries per version:
 *
 * <pre>
 * sum(increase(METRIC_count{model="m",version="v"}[w]))
 * sum(increase(METRIC_count{model="m",version="v",status=~"UNKNOWN|INTERNAL|..."}[w]))
 * histogram_quantile(0.99, sum by (le) (rate(METRIC_bucket{model="m",version="v",status="OK"}[w])))
 * count(count_over_time(METRIC_count{model="m",version="v"}[w]) &lt; 2)
 * </pre>
 *
 * The last counts the series that have one sample in the window: the gateway creates a status's
 * series at its first call, and {@code increase} over one sample is nothing, so a canary's first
 * errors are invisible until the next scrape ({@link VersionMetrics#newSeries()}).
 *
 * <p>An empty answer is zero requests (no series yet) or no p99. Thread-safe; blocks the caller for
 * at most {@code timeout} per query.
 */
public final class PrometheusMetrics implements MetricSource {
  /** The base name of the gateway's per-version timer (the contract with the gateway). */
  public static final String METRIC = "mmserve_gateway_model_requests_seconds";

  private final URI base;
  private final Duration timeout;
  private final HttpClient http;

  /**
   * @param base Prometheus's address, such as {@code http://prometheus:9090}
   * @param timeout the longest one query may take
   */
  public PrometheusMetrics(URI base, Duration timeout) {
    this.base = base;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public VersionMetrics read(String model, String version, Duration window)
      throws MetricsUnavailableException {
    String selector = "model=" + quote(model) + ",version=" + quote(version);
    String range = "[" + window.toSeconds() + "s]";
    double requests =
        query("sum(increase(" + METRIC + "_count{" + selector + "}" + range + "))").orElse(0);
    double errors =
        query(
                "sum(increase("
                    + METRIC
                    + "_count{"
                    + selector
                    + ",status=~\""
                    + ErrorCodes.promqlRegex()
                    + "\"}"
                    + range
                    + "))")
            .orElse(0);
    OptionalDouble p99 =
        query(
            "histogram_quantile(0.99, sum by (le) (rate("
                + METRIC
                + "_bucket{"
                + selector
                + ",status=\"OK\"}"
                + range
                + ")))");
    double newSeries =
        query("count(count_over_time(" + METRIC + "_count{" + selector + "}" + range + ") < 2)")
            .orElse(0);
    return new VersionMetrics(requests, errors, p99, (int) newSeries);
  }

  /** The single value of an instant query; empty for no series or NaN. */
  OptionalDouble query(String promql) throws MetricsUnavailableException {
    URI uri =
        base.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new MetricsUnavailableException("Prometheus at " + base + " is unreachable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MetricsUnavailableException("interrupted querying Prometheus at " + base, e);
    }
    return parse(promql, response.statusCode(), response.body());
  }

  private OptionalDouble parse(String promql, int code, String body)
      throws MetricsUnavailableException {
    try {
      JsonObject answer = JsonParser.parseString(body).getAsJsonObject();
      if (code != 200 || !"success".equals(answer.get("status").getAsString())) {
        throw new MetricsUnavailableException(
            "Prometheus at "
                + base
                + " refused "
                + promql
                + ": HTTP "
                + code
                + " "
                + (answer.has("error") ? answer.get("error").getAsString() : body));
      }
      JsonArray result = answer.getAsJsonObject("data").getAsJsonArray("result");
      if (result.isEmpty()) {
        return OptionalDouble.empty();
      }
      JsonElement value = result.get(0).getAsJsonObject().getAsJsonArray("value").get(1);
      double number = Double.parseDouble(value.getAsString());
      return Double.isNaN(number) ? OptionalDouble.empty() : OptionalDouble.of(number);
    } catch (JsonParseException
        | IllegalStateException
        | NullPointerException
        | IndexOutOfBoundsException
        | NumberFormatException e) {
      throw new MetricsUnavailableException(
          "Prometheus at " + base + " answered " + promql + " with HTTP " + code + ": " + body, e);
    }
  }

  /** A PromQL string literal. */
  private static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Override
  public String toString() {
    return "Prometheus at " + base;
  }
}
