package io.mmserve.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CanarySettingsTest {
  private static CanarySettings read(Map<String, String> given) {
    Map<String, String> values = new HashMap<>(CanarySettings.defaults());
    values.putAll(given);
    return CanarySettings.from(Config.of(values));
  }

  @Test
  void defaults_routeNothing() {
    VersionRouter router = read(Map.of()).router(n -> 0);

    assertEquals(Optional.empty(), router.route("", Optional.empty()));
    assertEquals(Optional.empty(), router.route("shapes-clip", Optional.empty()));
  }

  @Test
  void aSplit_startsTheRouter() {
    VersionRouter router =
        read(Map.of(
                CanarySettings.MODEL, "shapes-clip",
                CanarySettings.STABLE_VERSION, "1.0.0",
                CanarySettings.VERSION, "1.1.0-int8",
                CanarySettings.WEIGHT, "40"))
            .router(n -> 39);

    assertEquals("shapes-clip@1.1.0-int8", router.route("", Optional.empty()).get().pinned());
  }

  @Test
  void badSettings_nameTheKeyAndValue() {
    assertEquals(
        "canary.weight is 10, but canary.version (the canary) is not set",
        assertThrows(
                ConfigException.class,
                () ->
                    read(
                        Map.of(
                            CanarySettings.MODEL, "m",
                            CanarySettings.STABLE_VERSION, "1",
                            CanarySettings.WEIGHT, "10")))
            .getMessage());
    assertEquals(
        "canary.stable-version is '1', but canary.model is not set",
        assertThrows(ConfigException.class, () -> read(Map.of(CanarySettings.STABLE_VERSION, "1")))
            .getMessage());
    assertThrows(ConfigException.class, () -> read(Map.of(CanarySettings.WEIGHT, "101")));
  }
}
