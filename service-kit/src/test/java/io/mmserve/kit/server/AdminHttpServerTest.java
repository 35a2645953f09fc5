package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminHttpServerTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicBoolean healthy = new AtomicBoolean(true);
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private AdminHttpServer admin;

  @BeforeEach
  void start() throws IOException {
    admin = new AdminHttpServer("127.0.0.1", 0, registry, healthy::get).start();
  }

  @AfterEach
  void stop() {
    admin.close();
  }

  @Test
  void metrics_servesMmserveMetricsInPrometheusFormat() throws Exception {
    Timer.builder(MetricsInterceptor.REQUESTS)
        .tags("method", "mmserve.v1.Multimodal/EmbedText", "status", "OK")
        .register(registry)
        .record(Duration.ofMillis(3));

    HttpResponse<String> response = get("/metrics");

    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    assertTrue(
        response
            .body()
            .contains(
                "mmserve_grpc_server_requests_seconds_count{method=\"mmserve.v1.Multimodal/EmbedText\",status=\"OK\"} 1"),
        response.body());
  }

  @Test
  void healthz_answers200WhileHealthy() throws Exception {
    HttpResponse<String> response = get("/healthz");

    assertEquals(200, response.statusCode());
    assertEquals("ok\n", response.body());
  }

  @Test
  void healthz_answers503WhenNotServing() throws Exception {
    healthy.set(false);

    assertEquals(503, get("/healthz").statusCode());
  }

  @Test
  void port_isTheBoundPortWhenZeroWasAsked() {
    assertTrue(admin.port() > 0);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
            .timeout(Duration.ofSeconds(10))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void constructor_namesTheAddressItCannotBind() {
    BindException e =
        assertThrows(
            BindException.class,
            () -> new AdminHttpServer("127.0.0.1", admin.port(), registry, healthy::get));

    assertTrue(
        e.getMessage().startsWith("admin HTTP server cannot bind 127.0.0.1:" + admin.port() + ": "),
        e.getMessage());
  }
}
