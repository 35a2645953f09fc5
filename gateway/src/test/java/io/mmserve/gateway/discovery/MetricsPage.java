package io.mmserve.gateway.discovery;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A service's Prometheus {@code /metrics} page, read from its admin port. */
final class MetricsPage {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final String text;

  private MetricsPage(String text) {
    this.text = text;
  }

  static MetricsPage of(String host, int adminPort) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + adminPort + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET /metrics answered " + response.statusCode());
    }
    return new MetricsPage(response.body());
  }

  /** The sum of the samples of {@code name} whose labels contain {@code labelText}; 0 if none. */
  double sum(String name, String labelText) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{") && line.contains(labelText)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** EncodeText calls a text-encoder-svc has answered. */
  static double encodeTextCalls(String host, int adminPort)
      throws IOException, InterruptedException {
    return of(host, adminPort)
        .sum("mmserve_grpc_server_requests_seconds_count", "TextEncoder/EncodeText\"");
  }
}
