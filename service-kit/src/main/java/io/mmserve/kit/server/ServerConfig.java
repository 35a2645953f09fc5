package io.mmserve.kit.server;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.tls.ServerTlsSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings every mmserve server shares. A service builds its defaults with {@link
 * #defaults(int, int)} (its own ports) plus its own settings, loads a {@link Config}, and reads
 * this record with {@link #from(Config)}.
 *
 * @param grpcHost address the gRPC server binds to
 * @param grpcPort gRPC port; 0 picks a free one
 * @param adminHost address the admin HTTP server (/metrics, /healthz) binds to
 * @param adminPort admin HTTP port; 0 picks a free one
 * @param maxInboundMessageBytes largest request message the server accepts
 * @param shutdownGrace how long in-flight calls may run on after shutdown begins
 * @param maxInboundBytesInFlight most bytes of request messages held at once ({@link
 *     InboundBytes}); {@value InboundBytes#KEY}, by default {@link InboundBytes#defaultLimit()}
 */
public record ServerConfig(
    String grpcHost,
    int grpcPort,
    String adminHost,
    int adminPort,
    int maxInboundMessageBytes,
    Duration shutdownGrace,
    long maxInboundBytesInFlight) {

  /** These settings with the default bound on request bytes in flight (tests). */
  public ServerConfig(
      String grpcHost,
      int grpcPort,
      String adminHost,
      int adminPort,
      int maxInboundMessageBytes,
      Duration shutdownGrace) {
    this(
        grpcHost,
        grpcPort,
        adminHost,
        adminPort,
        maxInboundMessageBytes,
        shutdownGrace,
        InboundBytes.defaultLimit());
  }

  public static final String GRPC_HOST = "grpc.host";
  public static final String GRPC_PORT = "grpc.port";
  public static final String ADMIN_HOST = "admin.host";
  public static final String ADMIN_PORT = "admin.port";
  public static final String MAX_INBOUND_MESSAGE_SIZE = "grpc.max-inbound-message-size";
  public static final String SHUTDOWN_GRACE = "shutdown.grace";

  /** Loopback: local mode must not be reachable from other machines unless asked. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  public static final String DEFAULT_MAX_INBOUND_MESSAGE_SIZE = "16MiB";
  public static final String DEFAULT_SHUTDOWN_GRACE = "10s";

  private static final int MAX_PORT = 65_535;
  private static final long MAX_MESSAGE_BYTES = Integer.MAX_VALUE;
  private static final Duration MAX_GRACE = Duration.ofMinutes(10);

  /**
   * The shared settings with their defaults, for a service listening on these ports; the {@link
   * ConnectionLimits}, {@link NettyTransport}, {@link MethodMessageLimits} and {@link
   * ServerTlsSettings} settings included.
   */
  public static Map<String, String> defaults(int grpcPort, int adminPort) {
    Map<String, String> defaults =
        new HashMap<>(
            Map.of(
                GRPC_HOST,
                DEFAULT_HOST,
                GRPC_PORT,
                Integer.toString(grpcPort),
                ADMIN_HOST,
                DEFAULT_HOST,
                ADMIN_PORT,
                Integer.toString(adminPort),
                MAX_INBOUND_MESSAGE_SIZE,
                DEFAULT_MAX_INBOUND_MESSAGE_SIZE,
                SHUTDOWN_GRACE,
                DEFAULT_SHUTDOWN_GRACE,
                InboundBytes.KEY,
                "0"));
    defaults.putAll(ConnectionLimits.defaults());
    defaults.putAll(NettyTransport.Settings.defaults());
    defaults.putAll(ServerTlsSettings.defaults());
    defaults.put(MethodMessageLimits.KEY, "");
    return Map.copyOf(defaults);
  }

  /**
   * Reads and validates the shared settings; {@value InboundBytes#KEY} 0 (the default) is {@link
   * InboundBytes#defaultLimit()}.
   */
  public static ServerConfig from(Config config) {
    long inFlight = config.getBytes(InboundBytes.KEY, 0, Long.MAX_VALUE);
    return new ServerConfig(
        config.getString(GRPC_HOST),
        config.getInt(GRPC_PORT, 0, MAX_PORT),
        config.getString(ADMIN_HOST),
        config.getInt(ADMIN_PORT, 0, MAX_PORT),
        (int) config.getBytes(MAX_INBOUND_MESSAGE_SIZE, 1024, MAX_MESSAGE_BYTES),
        config.getDuration(SHUTDOWN_GRACE, Duration.ZERO, MAX_GRACE),
        inFlight == 0 ? InboundBytes.defaultLimit() : inFlight);
  }
}
