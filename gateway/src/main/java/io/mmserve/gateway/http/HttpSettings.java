package io.mmserve.gateway.http;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.kit.tls.ServerTlsSettings;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway's HTTP/JSON port ({@code http.*}): off unless {@value #ENABLED} is true.
 *
 * <p>Off by default because the gateway is started by tests and benchmarks with only its gRPC and
 * admin ports planned: a new listening port that nobody asked for would collide between gateways on
 * one machine. {@code ./mmserve up} and the Helm chart turn it on.
 *
 * <p>HTTPS whenever the gateway's gRPC port serves TLS: the port presents the same certificate
 * ({@code tls.cert-file}, {@code tls.key-file}, reloaded every {@code tls.refresh-interval}) and
 * accepts no plaintext. It never asks for a client certificate ({@code tls.client-ca-file} is for
 * the gRPC port): callers of the public API prove who they are with API keys.
 *
 * @param enabled whether the gateway listens for HTTP at all
 * @param host address the HTTP server binds to
 * @param port HTTP port; 0 picks a free one
 * @param tls the certificate to serve HTTPS with; empty: plaintext HTTP
 */
public record HttpSettings(
    boolean enabled, String host, int port, Optional<ServerTlsSettings> tls) {
  public static final String ENABLED = "http.enabled";
  public static final String HOST = "http.host";
  public static final String PORT = "http.port";

  public static final String DEFAULT_ENABLED = "false";
  public static final int DEFAULT_PORT = 8080;

  private static final int MAX_PORT = 65_535;

  public HttpSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(tls, "tls");
  }

  /** Plaintext HTTP. */
  public HttpSettings(boolean enabled, String host, int port) {
    this(enabled, host, port, Optional.empty());
  }

  /** The {@code http.*} settings with their defaults. */
  public static Map<String, String> defaults() {
    return Map.of(
        ENABLED,
        DEFAULT_ENABLED,
        HOST,
        ServerConfig.DEFAULT_HOST,
        PORT,
        Integer.toString(DEFAULT_PORT));
  }

  /**
   * Reads and validates the {@code http.*} settings, and with HTTP on the {@code tls.*} files.
   *
   * @throws io.mmserve.kit.config.ConfigException naming the key and the bad value (or file)
   */
  public static HttpSettings from(Config config) {
    boolean enabled = config.getBoolean(ENABLED);
    return new HttpSettings(
        enabled,
        config.getString(HOST),
        config.getInt(PORT, 0, MAX_PORT),
        enabled ? ServerTlsSettings.from(config) : Optional.empty());
  }

  /** HTTP off: for tests and tools that build a config by hand. */
  public static HttpSettings off() {
    return new HttpSettings(false, ServerConfig.DEFAULT_HOST, DEFAULT_PORT);
  }

  /** {@code https} or {@code http}. */
  public String scheme() {
    return tls.isPresent() ? "https" : "http";
  }
}
