package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TritonConfigTest {

  @Test
  void tritonModelName_isPrefixPackNameAndRole() {
    TritonConfig config = TritonConfig.forTarget("localhost:8001").withModels("prod-", "");
    assertEquals("prod-shapes-clip-text", config.tritonModelName("shapes-clip@1.0.0/text"));
    assertEquals("prod-clip-vision", config.tritonModelName("clip/vision"));
  }

  @Test
  void from_readsTheDefaults() {
    TritonConfig config = TritonConfig.from(Config.of(TritonConfig.defaultSettings()));
    assertEquals(TritonConfig.DEFAULT_TARGET, config.target());
    assertEquals(Duration.ofSeconds(10), config.requestTimeout());
    assertEquals(Duration.ofSeconds(1), config.readyTimeout());
    assertEquals(256 * 1024 * 1024, config.maxInboundMessageBytes());
  }

  @Test
  void from_rejectsABackoffLongerThanItsCap() {
    Map<String, String> settings = new HashMap<>(TritonConfig.defaultSettings());
    settings.put(TritonConfig.INITIAL_BACKOFF, "2s");
    ConfigException e =
        assertThrows(ConfigException.class, () -> TritonConfig.from(Config.of(settings)));
    assertEquals(
        "triton.retry.initial-backoff must not exceed triton.retry.max-backoff, but was PT2S > PT1S",
        e.getMessage());
  }
}
