package io.mmserve.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.server.NettyTransport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextEncoderConfigTest {

  @Test
  void defaults_batchAsDocumented() {
    TextEncoderConfig config =
        TextEncoderConfig.from(
            ConfigLoader.load(TextEncoderConfig.defaults(), List.of(), Map.of()));

    assertEquals(BatchingSettings.ofItems(32, Duration.ofMillis(2), 1024, 1), config.batching());
  }

  @Test
  void defaults_runCallsOnTheEventLoopThatReadThem_aFlagTakesThePool() {
    assertEquals(
        NettyTransport.CallExecutor.DIRECT,
        NettyTransport.Settings.from(
                ConfigLoader.load(TextEncoderConfig.defaults(), List.of(), Map.of()))
            .executor());
    assertEquals(
        NettyTransport.CallExecutor.POOL,
        NettyTransport.Settings.from(
                ConfigLoader.load(
                    TextEncoderConfig.defaults(), List.of("--grpc.executor=pool"), Map.of()))
            .executor());
  }

  @Test
  void flags_setTheBatchingKeys() {
    TextEncoderConfig config =
        TextEncoderConfig.from(
            ConfigLoader.load(
                TextEncoderConfig.defaults(),
                List.of(
                    "--batching.max-batch-size=8",
                    "--batching.max-delay=0ms",
                    "--batching.max-queue-items=64",
                    "--batching.max-in-flight=3"),
                Map.of()));

    assertEquals(BatchingSettings.ofItems(8, Duration.ZERO, 64, 3), config.batching());
  }

  @Test
  void from_rejectsAZeroMaxInFlightNamingTheKey() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                TextEncoderConfig.from(
                    ConfigLoader.load(
                        TextEncoderConfig.defaults(),
                        List.of("--batching.max-in-flight=0"),
                        Map.of())));

    assertEquals(
        "batching.max-in-flight must be in 1..1024, but was 0 (from flag --batching.max-in-flight)",
        e.getMessage());
  }

  @Test
  void defaults_padToTheDocumentedBuckets() {
    TextEncoderConfig config =
        TextEncoderConfig.from(
            ConfigLoader.load(TextEncoderConfig.defaults(), List.of(), Map.of()));

    assertEquals(List.of(16, 32, 48, 64), config.buckets().lengths());
  }

  @Test
  void sequenceDynamicFalse_padsEveryBatchToTheContextLength() {
    TextEncoderConfig config =
        TextEncoderConfig.from(
            ConfigLoader.load(
                TextEncoderConfig.defaults(), List.of("--sequence.dynamic=false"), Map.of()));

    assertEquals(List.of(), config.buckets().lengths());
    assertEquals(77, config.buckets().lengthFor(3, 77));
  }

  @Test
  void from_rejectsABucketThatIsNotANumberNamingTheKey() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                TextEncoderConfig.from(
                    ConfigLoader.load(
                        TextEncoderConfig.defaults(),
                        List.of("--sequence.buckets=16,x32"),
                        Map.of())));

    assertEquals(
        "sequence.buckets must be a comma-separated list of sequence lengths, but has 'x32'",
        e.getMessage());
  }

  @Test
  void from_rejectsAZeroBucketNamingTheKey() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                TextEncoderConfig.from(
                    ConfigLoader.load(
                        TextEncoderConfig.defaults(), List.of("--sequence.buckets=0"), Map.of())));

    assertEquals(
        "sequence.buckets must list sequence lengths in 1..65536, but has 0", e.getMessage());
  }
}
