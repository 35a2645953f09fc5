package io.mmserve.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.vision.encoder.ImageLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VisionEncoderConfigTest {

  @Test
  void defaults_areTheDocumentedValues() {
    Config config = ConfigLoader.load(VisionEncoderConfig.defaults(), List.of(), Map.of());

    VisionEncoderConfig vision = VisionEncoderConfig.from(config);
    ServerConfig server = ServerConfig.from(config);
    assertEquals(List.of(Path.of("models/shapes-clip").toAbsolutePath()), vision.packs());
    assertEquals(ModelPrecision.FP32, vision.precision());
    assertEquals(new ImageLimits(64, 20L << 20, 40_000_000L), vision.limits());
    assertEquals(BatchingSettings.ofItems(32, Duration.ofMillis(2), 1024, 1), vision.batching());
    assertEquals(Runtime.getRuntime().availableProcessors(), vision.preparation().threads());
    assertEquals(64, vision.preparation().maxPrepared(), "32 x (1 call in flight + 1)");
    assertEquals(
        Runtime.getRuntime().maxMemory() / 4,
        vision.preparation().maxAdmittedBytes(),
        "a quarter of the heap");
    assertEquals(50053, server.grpcPort());
    assertEquals(9093, server.adminPort());
  }

  @Test
  void defaults_admitTheLargestImageAndTheGatewaysLargestRequest() {
    Config config = ConfigLoader.load(VisionEncoderConfig.defaults(), List.of(), Map.of());

    long needed =
        VisionEncoderConfig.requiredMessageBytes(VisionEncoderConfig.from(config).limits());
    assertTrue(ServerConfig.from(config).maxInboundMessageBytes() >= needed);
    assertTrue(ServerConfig.from(config).maxInboundMessageBytes() >= 64L << 20);
    assertTrue(ServerConfig.from(config).maxInboundMessageBytes() < 1L << 30);
  }

  @Test
  void from_readsSeveralPacksAndInt8() {
    Config config =
        ConfigLoader.load(
            VisionEncoderConfig.defaults(),
            List.of("--model.packs=a, b/c", "--model.precision=int8"),
            Map.of());

    VisionEncoderConfig vision = VisionEncoderConfig.from(config);
    assertEquals(
        List.of(Path.of("a").toAbsolutePath(), Path.of("b/c").toAbsolutePath()), vision.packs());
    assertEquals(ModelPrecision.INT8, vision.precision());
  }

  @Test
  void from_rejectsAZeroItemLimitShowingTheValue() {
    Config config =
        ConfigLoader.load(
            VisionEncoderConfig.defaults(), List.of("--limits.max-items=0"), Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> VisionEncoderConfig.from(config));
    assertTrue(e.getMessage().startsWith("limits.max-items must be in 1.."), e.getMessage());
    assertTrue(e.getMessage().contains("but was 0"), e.getMessage());
  }

  @Test
  void from_rejectsAnEmptyPackList() {
    Config config =
        ConfigLoader.load(VisionEncoderConfig.defaults(), List.of("--model.packs= , "), Map.of());

    assertThrows(ConfigException.class, () -> VisionEncoderConfig.from(config));
  }

  @Test
  void flags_setTheBatchingKeysTheTextEncoderHasToo() {
    Config config =
        ConfigLoader.load(
            VisionEncoderConfig.defaults(),
            List.of("--batching.max-batch-size=4", "--batching.max-in-flight=2"),
            Map.of());

    VisionEncoderConfig vision = VisionEncoderConfig.from(config);

    assertEquals(BatchingSettings.ofItems(4, Duration.ofMillis(2), 1024, 2), vision.batching());
  }

  @Test
  void maxPrepared_defaultsToABatchPerCallInFlightAndOneMore() {
    Config config =
        ConfigLoader.load(
            VisionEncoderConfig.defaults(),
            List.of("--batching.max-batch-size=8", "--batching.max-in-flight=3"),
            Map.of());

    assertEquals(32, VisionEncoderConfig.from(config).preparation().maxPrepared());
  }

  @Test
  void maxPrepared_belowTheBatchSize_isRefusedNamingBothKeysAndTheValue() {
    Config config =
        ConfigLoader.load(
            VisionEncoderConfig.defaults(),
            List.of("--batching.max-batch-size=16", "--preprocess.max-prepared=8"),
            Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> VisionEncoderConfig.from(config));
    assertEquals(
        "preprocess.max-prepared must be 0 (the default) or at least batching.max-batch-size (16):"
            + " batches could never fill, but was 8 (from flag --preprocess.max-prepared)",
        e.getMessage());
  }

  @Test
  void preprocessThreads_zero_isRefusedNamingTheKey() {
    Config config =
        ConfigLoader.load(
            VisionEncoderConfig.defaults(), List.of("--preprocess.threads=0"), Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> VisionEncoderConfig.from(config));
    assertTrue(e.getMessage().startsWith("preprocess.threads must be in 1..256"), e.getMessage());
  }

  @Test
  void maxAdmittedBytes_isReadWithSizeUnits() {
    Config config =
        ConfigLoader.load(
            VisionEncoderConfig.defaults(),
            List.of("--preprocess.max-admitted-bytes=48MiB"),
            Map.of());

    assertEquals(48L << 20, VisionEncoderConfig.from(config).preparation().maxAdmittedBytes());
  }

  @Test
  void maxAdmittedBytes_negative_isRefusedNamingTheKey() {
    Config config =
        ConfigLoader.load(
            VisionEncoderConfig.defaults(),
            List.of("--preprocess.max-admitted-bytes=-1"),
            Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> VisionEncoderConfig.from(config));
    assertTrue(e.getMessage().startsWith("preprocess.max-admitted-bytes must be"), e.getMessage());
  }
}
