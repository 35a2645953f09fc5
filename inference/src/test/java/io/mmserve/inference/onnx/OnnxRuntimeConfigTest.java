package io.mmserve.inference.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxRuntimeConfigTest {

  private static OnnxRuntimeConfig read(Map<String, String> overrides) {
    Map<String, String> values = new HashMap<>(OnnxRuntimeConfig.defaultSettings());
    values.putAll(overrides);
    return OnnxRuntimeConfig.from(Config.of(values));
  }

  @Test
  void defaults_leaveSpinningOff() {
    OnnxRuntimeConfig config = read(Map.of());

    assertFalse(config.allowSpinning());
    assertEquals(OnnxRuntimeConfig.defaults(), config);
  }

  @Test
  void from_readsAllowSpinning() {
    assertTrue(read(Map.of(OnnxRuntimeConfig.ALLOW_SPINNING, "true")).allowSpinning());
  }

  @Test
  void from_rejectsANonBooleanSpinningValue() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> read(Map.of(OnnxRuntimeConfig.ALLOW_SPINNING, "sometimes")));

    assertTrue(e.getMessage().contains(OnnxRuntimeConfig.ALLOW_SPINNING), e.getMessage());
  }

  @Test
  void from_readsTheArenaAndMemoryPatternSwitches() {
    OnnxRuntimeConfig config =
        read(
            Map.of(
                OnnxRuntimeConfig.CPU_ARENA, "false", OnnxRuntimeConfig.MEMORY_PATTERN, "false"));

    assertFalse(config.cpuArena());
    assertFalse(config.memoryPattern());
  }

  @Test
  void from_rejectsANonBooleanArenaValue_namingTheKey() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> read(Map.of(OnnxRuntimeConfig.CPU_ARENA, "shrink")));

    assertTrue(e.getMessage().contains(OnnxRuntimeConfig.CPU_ARENA), e.getMessage());
  }
}
