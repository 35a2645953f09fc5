package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

  @Test
  void defaults_pointAtLocalEncodersWithDocumentedLimits() {
    GatewayConfig config = GatewayConfig.from(Config.of(GatewayConfig.defaults()));

    assertEquals("127.0.0.1:50052", config.textEncoderTarget());
    assertEquals("127.0.0.1:50053", config.visionEncoderTarget());
    assertEquals(RequestLimits.of(256, 64), config.limits());
    assertEquals(Duration.ofSeconds(30), config.defaultDeadline());
    assertEquals(64 << 20, config.maxInboundMessageBytes());
  }

  @Test
  void flags_overrideTargetsAndLimits() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(),
            List.of(
                "--text-encoder.target=10.0.0.1:7000",
                "--limits.max-images=8",
                "--deadline.default=2s"),
            Map.of());

    GatewayConfig config = GatewayConfig.from(loaded);

    assertEquals("10.0.0.1:7000", config.textEncoderTarget());
    assertEquals(8, config.limits().maxImages());
    assertEquals(Duration.ofSeconds(2), config.defaultDeadline());
  }

  @Test
  void from_rejectsZeroItemLimitShowingTheValue() {
    Config loaded =
        ConfigLoader.load(GatewayConfig.defaults(), List.of("--limits.max-texts=0"), Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertEquals(
        "limits.max-texts must be in 1..100000, but was 0 (from flag --limits.max-texts)",
        e.getMessage());
  }
}
