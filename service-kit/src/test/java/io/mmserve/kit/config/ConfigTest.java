package io.mmserve.kit.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigTest {
  private enum Backend {
    ONNXRUNTIME,
    TRITON
  }

  @Test
  void getInt_rejectsOutOfRangeShowingValue() {
    Config config = Config.of(Map.of("grpc.port", "70000"));

    ConfigException e =
        assertThrows(ConfigException.class, () -> config.getInt("grpc.port", 0, 65535));

    assertEquals("grpc.port must be in 0..65535, but was 70000 (from given)", e.getMessage());
  }

  @Test
  void getInt_rejectsNonNumberShowingValue() {
    Config config = Config.of(Map.of("batch.max-size", "eight"));

    ConfigException e =
        assertThrows(ConfigException.class, () -> config.getInt("batch.max-size", 1, 1024));

    assertEquals("batch.max-size must be an integer, but was eight (from given)", e.getMessage());
  }

  @Test
  void getString_rejectsBlankRequiredSetting() {
    Config config = Config.of(Map.of("model.dir", " "));

    ConfigException e = assertThrows(ConfigException.class, () -> config.getString("model.dir"));

    assertEquals("model.dir must be set, but was empty", e.getMessage());
  }

  @Test
  void find_treatsBlankAsUnset() {
    Config config = Config.of(Map.of("auth.token", ""));

    assertEquals(Optional.empty(), config.find("auth.token"));
  }

  @Test
  void getDuration_parsesUnitsAndIso() {
    Config config = Config.of(Map.of("a", "250ms", "b", "5s", "c", "2m", "d", "PT1.5S"));
    Duration max = Duration.ofHours(1);

    assertEquals(Duration.ofMillis(250), config.getDuration("a", Duration.ZERO, max));
    assertEquals(Duration.ofSeconds(5), config.getDuration("b", Duration.ZERO, max));
    assertEquals(Duration.ofMinutes(2), config.getDuration("c", Duration.ZERO, max));
    assertEquals(Duration.ofMillis(1500), config.getDuration("d", Duration.ZERO, max));
  }

  @Test
  void getDuration_rejectsOutOfRangeShowingLimits() {
    Config config = Config.of(Map.of("batch.max-delay", "2s"));

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> config.getDuration("batch.max-delay", Duration.ZERO, Duration.ofMillis(500)));

    assertEquals("batch.max-delay must be in 0s..500ms, but was 2s (from given)", e.getMessage());
  }

  @Test
  void getBytes_parsesBinaryUnits() {
    Config config = Config.of(Map.of("a", "16MiB", "b", "512KiB", "c", "4194304"));

    assertEquals(16L << 20, config.getBytes("a", 0, Long.MAX_VALUE));
    assertEquals(512L << 10, config.getBytes("b", 0, Long.MAX_VALUE));
    assertEquals(4194304L, config.getBytes("c", 0, Long.MAX_VALUE));
  }

  @Test
  void getBytes_rejectsUnknownUnit() {
    Config config = Config.of(Map.of("max", "16 parsecs"));

    ConfigException e = assertThrows(ConfigException.class, () -> config.getBytes("max", 0, 10));

    assertTrue(e.getMessage().startsWith("max must be a size like"), e.getMessage());
  }

  @Test
  void getBoolean_rejectsYes() {
    Config config = Config.of(Map.of("metrics.enabled", "yes"));

    ConfigException e =
        assertThrows(ConfigException.class, () -> config.getBoolean("metrics.enabled"));

    assertEquals("metrics.enabled must be true or false, but was yes (from given)", e.getMessage());
  }

  @Test
  void getEnum_acceptsAnyCaseAndListsChoicesOnError() {
    Config config = Config.of(Map.of("good", "Triton", "bad", "tensorrt"));

    assertEquals(Backend.TRITON, config.getEnum("good", Backend.class));
    ConfigException e =
        assertThrows(ConfigException.class, () -> config.getEnum("bad", Backend.class));
    assertEquals(
        "bad must be one of [onnxruntime, triton], but was tensorrt (from given)", e.getMessage());
  }

  @Test
  void getList_splitsOnCommasAndDropsBlanks() {
    Config config = Config.of(Map.of("models", " a, b ,,c "));

    assertEquals(List.of("a", "b", "c"), config.getList("models"));
  }

  @Test
  void toString_masksSecretsButNotLookalikes() {
    Config config =
        Config.of(
            Map.of(
                "auth.token", "s3cr3t",
                "db.password", "hunter2",
                "aws.secret-key", "k",
                "text.tokenizer", "tokenizer.json",
                "text.max-tokens", "77"));

    String printed = config.toString();

    assertFalse(printed.contains("s3cr3t"), printed);
    assertFalse(printed.contains("hunter2"), printed);
    assertTrue(printed.contains("auth.token=**** (given)"), printed);
    assertTrue(printed.contains("aws.secret-key=****"), printed);
    assertTrue(printed.contains("text.tokenizer=tokenizer.json"), printed);
    assertTrue(printed.contains("text.max-tokens=77"), printed);
  }

  @Test
  void validation_neverShowsSecretValue() {
    Config config = Config.of(Map.of("api.token", "abc"));

    ConfigException e = assertThrows(ConfigException.class, () -> config.getInt("api.token", 0, 1));

    assertFalse(e.getMessage().contains("abc"), e.getMessage());
  }
}
