package io.mmserve.inference.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeSetTest {
  private static final String MODEL_JSON_SUFFIX =
      ", \"probes\": {\"file\": \"probes/probes.json\"}";

  @TempDir Path root;
  private Path pack;
  private Path probes;

  @BeforeEach
  void writePackWithAnImage() throws IOException {
    pack = root.resolve("pack");
    probes = pack.resolve("probes");
    Files.createDirectories(probes);
    JsonObject manifest =
        JsonParser.parseString(Files.readString(ReferencePack.dir().resolve("model.json")))
            .getAsJsonObject();
    manifest.remove("probes");
    String json = manifest.toString();
    Files.writeString(
        pack.resolve("model.json"),
        json.substring(0, json.lastIndexOf('}')) + MODEL_JSON_SUFFIX + "}");
    Files.write(probes.resolve("a.png"), new byte[] {1, 2, 3});
  }

  private void writeProbes(String images) throws IOException {
    Files.writeString(
        probes.resolve("probes.json"),
        "{\"format_version\": 1, \"labels\": [\"red circle\", \"blue square\"], \"images\": ["
            + images
            + "]}");
  }

  private String rejected() {
    return assertThrows(ModelPackException.class, () -> ModelPack.load(pack)).getMessage();
  }

  @Test
  void bundledPack_shipsAProbeSetOf48ImagesOver32Labels() {
    ProbeSet set = ModelPack.load(ReferencePack.dir()).probeSet().orElseThrow();

    assertEquals(48, set.images().size());
    assertEquals(32, set.labels().size());
    assertEquals("a photo of a {}", set.promptTemplate());
    assertEquals("00-red-circle.png", set.images().get(0).file());
    assertEquals("red circle", set.images().get(0).label());
    assertTrue(set.images().stream().allMatch(p -> set.labels().contains(p.label())));
  }

  @Test
  void load_readsTheImagesBesideTheProbeSetFile() throws IOException {
    writeProbes("{\"file\": \"a.png\", \"label\": \"blue square\"}");

    ProbeSet set = ModelPack.load(pack).probeSet().orElseThrow();

    assertEquals(ProbeSet.DEFAULT_PROMPT_TEMPLATE, set.promptTemplate());
    assertEquals("blue square", set.images().get(0).label());
    assertArrayEquals(new byte[] {1, 2, 3}, set.images().get(0).encoded());
  }

  @Test
  void load_refusesAnImageOutsideThePack() throws IOException {
    writeProbes("{\"file\": \"../../outside.png\", \"label\": \"red circle\"}");

    assertEquals(
        pack.resolve("model.json")
            + ": "
            + probes.resolve("probes.json")
            + ": images[0].file must name a file inside the pack's folder, but was"
            + " \"../../outside.png\"",
        rejected());
  }

  @Test
  void load_refusesALabelThatIsNotACandidate() throws IOException {
    writeProbes("{\"file\": \"a.png\", \"label\": \"green star\"}");

    assertTrue(
        rejected().endsWith("images[0].label must be one of labels, but was \"green star\""),
        rejected());
  }

  @Test
  void load_refusesAMissingImageNamingIt() throws IOException {
    writeProbes("{\"file\": \"gone.png\", \"label\": \"red circle\"}");

    assertTrue(rejected().contains("images[0].file: cannot read gone.png"), rejected());
  }

  @Test
  void load_refusesRepeatedLabelsAndATemplateWithoutPlaceholder() throws IOException {
    Files.writeString(
        probes.resolve("probes.json"),
        "{\"format_version\": 1, \"labels\": [\"a\", \"a\"], \"images\": []}");
    assertTrue(rejected().endsWith("labels[1] repeats \"a\""), rejected());

    Files.writeString(
        probes.resolve("probes.json"),
        "{\"format_version\": 1, \"prompt_template\": \"a photo\", \"labels\": [\"a\"],"
            + " \"images\": []}");
    assertTrue(
        rejected()
            .endsWith("prompt_template must contain {} where the label goes, but was \"a photo\""),
        rejected());
  }

  @Test
  void manifest_refusesAProbeSetFileOutsideThePack() {
    ModelPackException e =
        assertThrows(
            ModelPackException.class,
            () ->
                ManifestParser.parse(
                    Files.readString(pack.resolve("model.json"))
                        .replace("probes/probes.json", "../elsewhere.json"),
                    pack));

    assertEquals(
        "probes.file must name a file inside the pack's folder, but was \"../elsewhere.json\"",
        e.getMessage());
  }

  @Test
  void manifest_withoutProbes_hasNoProbeSet() throws IOException {
    Files.writeString(
        pack.resolve("model.json"),
        Files.readString(pack.resolve("model.json")).replace(MODEL_JSON_SUFFIX, ""));

    assertEquals(Optional.empty(), ModelPack.load(pack).probeSet());
  }
}
