package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {
  @Test
  void defaults_areEveryServersSettings() {
    ConnectionLimits limits = ConnectionLimits.from(Config.of(ServerConfig.defaults(0, 0)));

    assertEquals(256, limits.maxConcurrentCallsPerConnection());
    assertEquals(Duration.ofMinutes(30), limits.maxConnectionAge());
    assertEquals(8 * 1024, limits.maxHeaderListBytes());
    assertEquals(Duration.ofSeconds(10), limits.handshakeTimeout());
  }

  @Test
  void badValue_namesTheKeyAndTheValue() {
    Map<String, String> values = new HashMap<>(ConnectionLimits.defaults());
    values.put(ConnectionLimits.MAX_CONCURRENT_CALLS, "0");

    ConfigException e =
        assertThrows(ConfigException.class, () -> ConnectionLimits.from(Config.of(values)));

    assertEquals(
        "grpc.max-concurrent-calls-per-connection must be in 1..2147483647, but was 0 (from given)",
        e.getMessage());
  }

  @Test
  void resetWindowInFractionsOfASecond_isRefused() {
    Map<String, String> values = new HashMap<>(ConnectionLimits.defaults());
    values.put(ConnectionLimits.STREAM_RESET_WINDOW, "1500ms");

    ConfigException e =
        assertThrows(ConfigException.class, () -> ConnectionLimits.from(Config.of(values)));

    assertEquals("grpc.stream-reset-window must be whole seconds, but was 1500ms", e.getMessage());
  }

  @Test
  void methodLimits_areReadAsMethodEqualsSize() {
    MethodMessageLimits limits =
        MethodMessageLimits.from(
            Config.of(Map.of(MethodMessageLimits.KEY, "a.B/C=1KiB, a.B/D=2048")));

    assertEquals(Map.of("a.B/C", 1024, "a.B/D", 2048), limits.limits());
  }

  @Test
  void methodLimitWithoutAMethod_namesTheKeyAndTheEntry() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                MethodMessageLimits.from(
                    Config.of(Map.of(MethodMessageLimits.KEY, "EmbedText=1MiB"))));

    assertEquals(
        "grpc.method-max-inbound-message-size entries must be package.Service/Method=SIZE,"
            + " but one was EmbedText=1MiB",
        e.getMessage());
  }

  @Test
  void methodLimitOfAnUnknownMethod_isRefusedWhenApplied() {
    MethodMessageLimits limits = new MethodMessageLimits(Map.of("a.B/C", 1024));

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> limits.applyTo(List.of(new TestService())));

    assertEquals(
        true, e.getMessage().startsWith("grpc.method-max-inbound-message-size names a.B/C"));
  }
}
