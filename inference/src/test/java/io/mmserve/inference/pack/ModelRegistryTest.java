package io.mmserve.inference.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mmserve.kit.errors.ModelNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  @TempDir Path root;

  @Test
  void load_readsManifestAndResolvesFilesAgainstPackDir() throws IOException {
    Path dir = writePack("a", "shapes-clip", "1.0.0");

    ModelPack pack = ModelPack.load(dir);

    assertEquals(dir.toAbsolutePath(), pack.dir());
    assertEquals(
        dir.toAbsolutePath().resolve("text_encoder.onnx"),
        pack.manifest().text().orElseThrow().encoder().file());
  }

  @Test
  void load_prefixesErrorsWithManifestPath() throws IOException {
    Path dir = root.resolve("bad");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("model.json"), "{\"format_version\": 3}");

    ModelPackException e = assertThrows(ModelPackException.class, () -> ModelPack.load(dir));

    assertEquals(
        dir.toAbsolutePath().resolve("model.json") + ": format_version must be 1, but was 3",
        e.getMessage());
  }

  @Test
  void resolve_findsDefaultByNameAndByVersion() throws IOException {
    ModelRegistry registry =
        ModelRegistry.load(
            List.of(
                writePack("a", "shapes-clip", "1.0.0"),
                writePack("b", "shapes-clip", "1.1.0"),
                writePack("c", "other", "2.0.0")));

    assertEquals("1.0.0", registry.resolve("").version());
    assertEquals("1.1.0", registry.resolve("shapes-clip").version());
    assertEquals("1.0.0", registry.resolve("shapes-clip@1.0.0").version());
    assertSame(registry.packs().get(2), registry.resolve("other"));
  }

  @Test
  void resolve_rejectsUnknownModelListingServedOnes() throws IOException {
    ModelRegistry registry = ModelRegistry.load(List.of(writePack("a", "shapes-clip", "1.0.0")));

    ModelNotFoundException e =
        assertThrows(ModelNotFoundException.class, () -> registry.resolve("clip-vit-b32"));

    assertEquals(
        "unknown model 'clip-vit-b32'; this server serves shapes-clip@1.0.0", e.getMessage());
  }

  @Test
  void registry_rejectsTwoPacksWithSameId() throws IOException {
    Path a = writePack("a", "shapes-clip", "1.0.0");
    Path b = writePack("b", "shapes-clip", "1.0.0");

    ModelPackException e =
        assertThrows(ModelPackException.class, () -> ModelRegistry.load(List.of(a, b)));

    assertTrue(e.getMessage().contains("shapes-clip@1.0.0"));
  }

  private Path writePack(String dirName, String name, String version) throws IOException {
    JsonObject m = JsonParser.parseString(ManifestParserTest.example()).getAsJsonObject();
    m.addProperty("name", name);
    m.addProperty("version", version);
    Path dir = root.resolve(dirName);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("model.json"), m.toString());
    return dir;
  }
}
