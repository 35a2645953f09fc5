package io.mmserve.gateway.http;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.server.ServerConfig;
import java.util.Map;

/**
 * The gateway's HTTP/JSON port ({@code http.*}): off unless {@value #ENABLED} is true.
 *
 * <p>Off by default because the gateway is started by tests and benchmarks with only its gRPC and
 * admin ports planned: a new listening port that nobody asked for would collide between gateways on
 * one machine. {@code ./mmserve up} and the Helm chart turn it on.
 *
 * @param enabled whether the gateway listens for HTTP at all
 * @param host address the HTTP server binds to
 * @param port HTTP port; 0 picks a free one
 */
public record HttpSettings(boolean enabled, String host, int port) {
  public static final String ENABLED = "http.enabled";
  public static final String HOST = "http.host";
  public static final String PORT = "http.port";

  public static final String DEFAULT_ENABLED = "false";
  public static final int DEFAULT_PORT = 8080;

  private static final int MAX_PORT = 65_535;

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

  /** Reads and validates the {@code http.*} settings. */
  public static HttpSettings from(Config config) {
    return new HttpSettings(
        config.getBoolean(ENABLED), config.getString(HOST), config.getInt(PORT, 0, MAX_PORT));
  }

  /** HTTP off: for tests and tools that build a config by hand. */
  public static HttpSettings off() {
    return new HttpSettings(false, ServerConfig.DEFAULT_HOST, DEFAULT_PORT);
  }
}
