package io.mmserve.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutSettingsTest {
  private static RolloutSettings read(String... flags) {
    return RolloutSettings.from(
        ConfigLoader.load(RolloutSettings.DEFAULTS, List.of(flags), Map.of()));
  }

  @Test
  void offByDefault_andNeedsNoNamespaceThen() {
    RolloutSettings settings = read();
    assertFalse(settings.enabled());
    assertFalse(settings.controllerEnabled());
    assertEquals(Duration.ofSeconds(10), settings.analysisInterval());
  }

  @Test
  void readsTheControllersSettings() {
    RolloutSettings settings =
        read(
            "--rollout.enabled=true",
            "--rollout.controller.enabled=true",
            "--rollout.namespace=prod",
            "--rollout.prometheus.url=http://prometheus:9090",
            "--rollout.identity=gw-1");
    assertEquals("prod", settings.namespace());
    assertEquals(URI.create("http://prometheus:9090"), settings.requirePrometheus());
    assertEquals("gw-1", settings.identity());
  }

  @Test
  void badValuesNameTheKeyAndTheValue() {
    assertEquals(
        "rollout.prometheus.url must be an http(s) URL such as http://prometheus:9090, but was"
            + " prometheus:9090",
        assertThrows(
                ConfigException.class,
                () ->
                    read(
                        "--rollout.enabled=true",
                        "--rollout.namespace=ns",
                        "--rollout.prometheus.url=prometheus:9090"))
            .getMessage());
    assertEquals(
        "rollout.lease.renew-deadline must be shorter than rollout.lease.duration (PT5S), but was"
            + " 5s",
        assertThrows(
                ConfigException.class,
                () -> read("--rollout.lease.duration=5s", "--rollout.lease.renew-deadline=5s"))
            .getMessage());
    assertEquals(
        "rollout.prometheus.url must be set for the rollout controller, but was empty",
        assertThrows(
                ConfigException.class,
                () -> read("--rollout.enabled=true", "--rollout.namespace=ns").requirePrometheus())
            .getMessage());
  }
}
