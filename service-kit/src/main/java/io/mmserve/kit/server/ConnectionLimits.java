package io.mmserve.kit.server;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What one client connection may take from a gRPC server: streams at once, the connection's age and
 * idle time, how often it may ping, how large its headers may be, how long it may take to start,
 * and how fast it may reset streams. Every server of every service applies these (the Netty
 * transport, {@link #applyTo}); the per-method message limits are {@link MethodMessageLimits}.
 *
 * <p>A connection past a limit is cut off by the transport: streams beyond {@code
 * maxConcurrentCallsPerConnection} are refused (RST_STREAM REFUSED_STREAM; grpc-java clients queue
 * instead of opening them); pings more often than {@code permitKeepAliveTime} (or without calls,
 * unless permitted) get GOAWAY ENHANCE_YOUR_CALM "too_many_pings"; more than {@code
 * maxStreamResets} RST_STREAM frames within {@code streamResetWindow} (the HTTP/2 rapid reset
 * attack) get GOAWAY ENHANCE_YOUR_CALM; a connection idle (no call) for {@code maxConnectionIdle},
 * or older than {@code maxConnectionAge}, gets GOAWAY and is closed, after {@code
 * maxConnectionAgeGrace} for the calls still running on it.
 *
 * @param maxConcurrentCallsPerConnection HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS
 * @param maxConnectionAge age after which a connection is sent GOAWAY (clients reconnect, which
 *     also spreads them over new replicas)
 * @param maxConnectionAgeGrace how long calls may run on after that GOAWAY before the connection is
 *     closed
 * @param maxConnectionIdle time without a call after which a connection is closed, counted from its
 *     start too, so a client that connects and never speaks is cut off
 * @param permitKeepAliveTime most frequent client ping allowed
 * @param permitKeepAliveWithoutCalls whether a client may ping while it has no call open
 * @param maxHeaderListBytes largest header list (metadata) of one call, HTTP/2
 *     SETTINGS_MAX_HEADER_LIST_SIZE
 * @param handshakeTimeout how long a connection may take to complete the transport's protocol
 *     negotiation (the TLS handshake, when there is one)
 * @param maxStreamResets most RST_STREAM frames a client may send within {@code streamResetWindow}
 * @param streamResetWindow the window of {@code maxStreamResets}, in whole seconds
 */
public record ConnectionLimits(
    int maxConcurrentCallsPerConnection,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace,
    Duration maxConnectionIdle,
    Duration permitKeepAliveTime,
    boolean permitKeepAliveWithoutCalls,
    int maxHeaderListBytes,
    Duration handshakeTimeout,
    int maxStreamResets,
    Duration streamResetWindow) {

  public static final String MAX_CONCURRENT_CALLS = "grpc.max-concurrent-calls-per-connection";
  public static final String MAX_CONNECTION_AGE = "grpc.max-connection-age";
  public static final String MAX_CONNECTION_AGE_GRACE = "grpc.max-connection-age-grace";
  public static final String MAX_CONNECTION_IDLE = "grpc.max-connection-idle";
  public static final String PERMIT_KEEPALIVE_TIME = "grpc.permit-keepalive-time";
  public static final String PERMIT_KEEPALIVE_WITHOUT_CALLS = "grpc.permit-keepalive-without-calls";
  public static final String MAX_HEADER_LIST_SIZE = "grpc.max-header-list-size";
  public static final String HANDSHAKE_TIMEOUT = "grpc.handshake-timeout";
  public static final String MAX_STREAM_RESETS = "grpc.max-stream-resets";
  public static final String STREAM_RESET_WINDOW = "grpc.stream-reset-window";

  private static final Duration MAX_DURATION = Duration.ofDays(365);

  /** These settings with their defaults. */
  public static Map<String, String> defaults() {
    return Map.of(
        MAX_CONCURRENT_CALLS, "256",
        MAX_CONNECTION_AGE, "30m",
        MAX_CONNECTION_AGE_GRACE, "2m",
        MAX_CONNECTION_IDLE, "15m",
        PERMIT_KEEPALIVE_TIME, "1m",
        PERMIT_KEEPALIVE_WITHOUT_CALLS, "false",
        MAX_HEADER_LIST_SIZE, "8KiB",
        HANDSHAKE_TIMEOUT, "10s",
        MAX_STREAM_RESETS, "200",
        STREAM_RESET_WINDOW, "10s");
  }

  /** Reads and validates these settings; a bad one throws naming the key and the value. */
  public static ConnectionLimits from(Config config) {
    Duration window =
        config.getDuration(STREAM_RESET_WINDOW, Duration.ofSeconds(1), Duration.ofHours(1));
    if (window.toMillis() % 1000 != 0) {
      throw new ConfigException(
          STREAM_RESET_WINDOW
              + " must be whole seconds, but was "
              + config.getString(STREAM_RESET_WINDOW));
    }
    return new ConnectionLimits(
        config.getInt(MAX_CONCURRENT_CALLS, 1, Integer.MAX_VALUE),
        config.getDuration(MAX_CONNECTION_AGE, Duration.ofSeconds(1), MAX_DURATION),
        config.getDuration(MAX_CONNECTION_AGE_GRACE, Duration.ZERO, MAX_DURATION),
        config.getDuration(MAX_CONNECTION_IDLE, Duration.ofSeconds(1), MAX_DURATION),
        config.getDuration(PERMIT_KEEPALIVE_TIME, Duration.ZERO, MAX_DURATION),
        config.getBoolean(PERMIT_KEEPALIVE_WITHOUT_CALLS),
        (int) config.getBytes(MAX_HEADER_LIST_SIZE, 1024, 1L << 20),
        config.getDuration(HANDSHAKE_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(10)),
        config.getInt(MAX_STREAM_RESETS, 1, Integer.MAX_VALUE),
        window);
  }

  /** The defaults, for servers built without a config (tests). */
  public static ConnectionLimits standard() {
    return from(Config.of(defaults()));
  }

  /** Sets every limit on {@code builder} and returns it. */
  public NettyServerBuilder applyTo(NettyServerBuilder builder) {
    return builder
        .maxConcurrentCallsPerConnection(maxConcurrentCallsPerConnection)
        .maxConnectionAge(maxConnectionAge.toNanos(), TimeUnit.NANOSECONDS)
        .maxConnectionAgeGrace(maxConnectionAgeGrace.toNanos(), TimeUnit.NANOSECONDS)
        .maxConnectionIdle(maxConnectionIdle.toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveTime(permitKeepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveWithoutCalls(permitKeepAliveWithoutCalls)
        .maxInboundMetadataSize(maxHeaderListBytes)
        .handshakeTimeout(handshakeTimeout.toNanos(), TimeUnit.NANOSECONDS)
        .maxRstFramesPerWindow(maxStreamResets, (int) streamResetWindow.toSeconds());
  }
}
