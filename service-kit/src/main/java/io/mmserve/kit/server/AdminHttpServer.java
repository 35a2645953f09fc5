package io.mmserve.kit.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The admin HTTP endpoint of a service: {@code GET /metrics} answers the Prometheus text format
 * from the registry, {@code GET /healthz} answers 200 "ok" while {@code healthy} says so and 503
 * "not serving" otherwise. One daemon thread, owned here and stopped by {@link #close()}.
 *
 * <p>It serves the registry as it is; {@link ServiceRunner} binds the {@link StandardMeters} to it.
 */
public final class AdminHttpServer implements AutoCloseable {
  /** The Prometheus text exposition format. */
  public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  /**
   * Binds the port (0 picks a free one) but serves nothing until {@link #start()}.
   *
   * @throws IOException if the address cannot be bound; the message names it
   */
  public AdminHttpServer(
      String host, int port, PrometheusMeterRegistry registry, BooleanSupplier healthy)
      throws IOException {
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 0);
    } catch (BindException e) {
      BindException named =
          new BindException(
              "admin HTTP server cannot bind " + host + ":" + port + ": " + e.getMessage());
      named.initCause(e);
      throw named;
    }
    executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "mmserve-admin-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext(
        "/metrics", exchange -> respond(exchange, 200, METRICS_CONTENT_TYPE, registry.scrape()));
    server.createContext(
        "/healthz",
        exchange -> {
          boolean ok = healthy.getAsBoolean();
          respond(
              exchange, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not serving\n");
        });
  }

  /** An admin server on the configured admin host and port. */
  public AdminHttpServer(
      ServerConfig config, PrometheusMeterRegistry registry, BooleanSupplier healthy)
      throws IOException {
    this(config.adminHost(), config.adminPort(), registry, healthy);
  }

  public AdminHttpServer start() {
    server.start();
    return this;
  }

  /** The bound port (the real one when configured with 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops serving at once and releases the thread. Safe to call more than once. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static void respond(HttpExchange exchange, int code, String contentType, String body)
      throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }
}
