package io.mmserve.kubernetes;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the gateway's per-version metrics (until the gateway's version routing lands): a
 * {@code /metrics} page on loopback with the contract's timer {@code
 * mmserve_gateway_model_requests_seconds} (Micrometer, percentile histogram; labels method, model,
 * version, status) for the versions the test names. A background thread records {@link
 * #REQUESTS_PER_TICK} requests of every version every {@link #TICK}, each one failing (status
 * UNAVAILABLE) with the version's error share and taking its latency: real counters that a real
 * Prometheus scrapes, with the behaviour the test controls. {@link #close} stops it.
 */
final class StandInGatewayMetrics implements AutoCloseable {
  static final Duration TICK = Duration.ofMillis(100);
  static final int REQUESTS_PER_TICK = 5;

  /** What one version does: the share of its requests that fail and how long each takes. */
  record Behaviour(double errorShare, Duration latency) {
    static Behaviour healthy(Duration latency) {
      return new Behaviour(0, latency);
    }
  }

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Behaviour> versions = new ConcurrentHashMap<>();
  private final Map<String, Long> counts = new ConcurrentHashMap<>();
  private final HttpServer server;
  private final ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor();

  StandInGatewayMetrics() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    traffic.scheduleAtFixedRate(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Where Prometheus scrapes it: {@code 127.0.0.1:port}. */
  String target() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** Sets how {@code model@version} behaves from the next tick on. */
  void set(String model, String version, Behaviour behaviour) {
    versions.put(model + "@" + version, behaviour);
  }

  private void tick() {
    versions.forEach(
        (key, behaviour) -> {
          String[] modelVersion = key.split("@", 2);
          for (int i = 0; i < REQUESTS_PER_TICK; i++) {
            long n = counts.merge(key, 1L, Long::sum);
            // every k-th request fails, k = 1 / share: the share exactly, not by chance
            boolean fails =
                behaviour.errorShare() > 0
                    && Math.floor(n * behaviour.errorShare())
                        > Math.floor((n - 1) * behaviour.errorShare());
            timer(modelVersion[0], modelVersion[1], fails ? "UNAVAILABLE" : "OK")
                .record(behaviour.latency());
          }
        });
  }

  private Timer timer(String model, String version, String status) {
    return Timer.builder("mmserve.gateway.model.requests")
        .tag("method", "EmbedText")
        .tag("model", model)
        .tag("version", version)
        .tag("status", status)
        .publishPercentileHistogram()
        .register(registry);
  }

  @Override
  public void close() throws InterruptedException {
    traffic.shutdownNow();
    traffic.awaitTermination(5, TimeUnit.SECONDS);
    server.stop(0);
  }
}
