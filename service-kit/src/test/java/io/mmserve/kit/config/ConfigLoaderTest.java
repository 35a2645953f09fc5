package io.mmserve.kit.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final Map<String, String> DEFAULTS =
      Map.of("grpc.port", "50052", "batch.max-delay", "2ms", "model.dir", "models/shapes-clip");

  @TempDir Path dir;

  @Test
  void load_usesDefaultsWhenNothingElseIsGiven() {
    Config config = ConfigLoader.load(DEFAULTS, List.of(), Map.of());

    assertEquals(50052, config.getInt("grpc.port", 0, 65535));
    assertEquals("default", config.sourceOf("grpc.port"));
  }

  @Test
  void load_fileOverridesDefaults() throws IOException {
    Path file = write("# comment\n\ngrpc.port = 6000\n");

    Config config = ConfigLoader.load(DEFAULTS, List.of("--config", file.toString()), Map.of());

    assertEquals(6000, config.getInt("grpc.port", 0, 65535));
    assertEquals("file " + file + ":3", config.sourceOf("grpc.port"));
  }

  @Test
  void load_envOverridesFile() throws IOException {
    Path file = write("grpc.port=6000\n");

    Config config =
        ConfigLoader.load(
            DEFAULTS, List.of("--config=" + file), Map.of("MMSERVE_GRPC_PORT", "7000"));

    assertEquals(7000, config.getInt("grpc.port", 0, 65535));
    assertEquals("env MMSERVE_GRPC_PORT", config.sourceOf("grpc.port"));
  }

  @Test
  void load_flagOverridesEnv() {
    Config config =
        ConfigLoader.load(
            DEFAULTS, List.of("--grpc.port=8000"), Map.of("MMSERVE_GRPC_PORT", "7000"));

    assertEquals(8000, config.getInt("grpc.port", 0, 65535));
    assertEquals("flag --grpc.port", config.sourceOf("grpc.port"));
  }

  @Test
  void load_readsFileNamedByEnvWhenNoFlag() throws IOException {
    Path file = write("model.dir=/opt/packs/clip\n");

    Config config =
        ConfigLoader.load(DEFAULTS, List.of(), Map.of("MMSERVE_CONFIG", file.toString()));

    assertEquals("/opt/packs/clip", config.getString("model.dir"));
  }

  @Test
  void load_mapsDashesAndDotsToUnderscoresInEnvNames() {
    Config config =
        ConfigLoader.load(DEFAULTS, List.of(), Map.of("MMSERVE_BATCH_MAX_DELAY", "5ms"));

    assertEquals("5ms", config.getString("batch.max-delay"));
  }

  @Test
  void load_ignoresUnknownEnvVariables() {
    Config config = ConfigLoader.load(DEFAULTS, List.of(), Map.of("MMSERVE_OTHER_SETTING", "x"));

    assertEquals(DEFAULTS.keySet(), config.keys());
  }

  @Test
  void load_rejectsUnknownFlagNamingIt() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(DEFAULTS, List.of("--grpc.prot=1"), Map.of()));

    assertTrue(e.getMessage().startsWith("unknown setting 'grpc.prot' (from flag --grpc.prot)"));
  }

  @Test
  void load_rejectsUnknownFileKey() throws IOException {
    Path file = write("grpc.prot=1\n");

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(DEFAULTS, List.of("--config", file.toString()), Map.of()));

    assertTrue(e.getMessage().contains("unknown setting 'grpc.prot' (from file " + file + ":1)"));
  }

  @Test
  void load_rejectsArgumentWithoutEquals() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(DEFAULTS, List.of("--grpc.port", "1"), Map.of()));

    assertEquals("arguments must be --key=value, but was '--grpc.port'", e.getMessage());
  }

  @Test
  void load_rejectsFileLineWithoutEqualsNamingTheLine() throws IOException {
    Path file = write("grpc.port=1\nnonsense\n");

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(DEFAULTS, List.of("--config", file.toString()), Map.of()));

    assertEquals("file " + file + ":2: expected key=value, but was 'nonsense'", e.getMessage());
  }

  @Test
  void load_rejectsMissingFileNamingIt() {
    Path missing = dir.resolve("missing.conf");

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(DEFAULTS, List.of("--config", missing.toString()), Map.of()));

    assertTrue(e.getMessage().startsWith("cannot read config file " + missing));
  }

  @Test
  void validation_messageNamesEnvSourceOfBadValue() {
    Config config = ConfigLoader.load(DEFAULTS, List.of(), Map.of("MMSERVE_GRPC_PORT", "70000"));

    ConfigException e =
        assertThrows(ConfigException.class, () -> config.getInt("grpc.port", 0, 65535));

    assertEquals(
        "grpc.port must be in 0..65535, but was 70000 (from env MMSERVE_GRPC_PORT)",
        e.getMessage());
  }

  @Test
  void envName_upperCasesAndReplacesSeparators() {
    assertEquals(
        "MMSERVE_GRPC_MAX_INBOUND_MESSAGE_SIZE",
        ConfigLoader.envName("grpc.max-inbound-message-size"));
  }

  private Path write(String content) throws IOException {
    Path file = dir.resolve("service.conf");
    Files.writeString(file, content);
    return file;
  }
}
