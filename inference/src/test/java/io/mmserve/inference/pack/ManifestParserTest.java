package io.mmserve.inference.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mmserve.inference.DType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ManifestParserTest {
  private static final Path DIR = Path.of("/packs/shapes-clip");

  @Test
  void parse_readsTheExamplePack() throws IOException {
    ModelManifest m = ManifestParser.parse(example(), DIR);

    assertEquals("shapes-clip@1.0.0", m.id());
    assertEquals(64, m.embeddingDim());
    assertEquals(50.0, m.logitScale());
    TextSpec text = m.text().orElseThrow();
    assertEquals(DIR.resolve("tokenizer.json"), text.tokenizer());
    assertEquals(24, text.contextLength());
    assertEquals(
        new TensorSpec("input_ids", DType.INT64, List.of(-1L, 24L)),
        text.encoder().inputs().get(0));
    assertEquals(Optional.of(DIR.resolve("text_encoder.int8.onnx")), text.encoder().int8File());
    VisionSpec vision = m.vision().orElseThrow();
    assertEquals(new VisionSpec.Resize(64, "bicubic", true), vision.resize());
    assertEquals(new VisionSpec.Crop("center", 64, 64), vision.crop());
    assertEquals(0.26130258f, vision.stdArray()[1]);
    assertEquals(
        List.of(-1L, 65L, 128L), vision.encoder().output("patch_features").orElseThrow().shape());
    FusionSpec fusion = m.fusion().orElseThrow();
    assertEquals(DIR.resolve("fusion.safetensors"), fusion.weights());
    assertEquals(4, fusion.heads());
    assertEquals("...", fusion.properties().get("..."));
  }

  @Test
  void parse_aPackWithoutDynamicSequenceRunsAtItsContextLength() throws IOException {
    JsonObject m = JsonParser.parseString(example()).getAsJsonObject();
    m.getAsJsonObject("text").remove("dynamic_sequence");
    m.getAsJsonObject("text").remove("max_sequence_length");

    TextSpec text = ManifestParser.parse(m.toString(), DIR).text().orElseThrow();

    assertEquals(false, text.dynamicSequence());
    assertEquals(24, text.maxSequenceLength());
  }

  @Test
  void parse_readsDynamicSequenceAndItsMaximum() throws IOException {
    JsonObject m = JsonParser.parseString(example()).getAsJsonObject();
    m.getAsJsonObject("text").addProperty("dynamic_sequence", true);
    m.getAsJsonObject("text").addProperty("max_sequence_length", 32);

    TextSpec text = ManifestParser.parse(m.toString(), DIR).text().orElseThrow();

    assertEquals(true, text.dynamicSequence());
    assertEquals(32, text.maxSequenceLength());
  }

  @Test
  void parse_rejectsAMaxSequenceLengthBelowTheContextLength() {
    assertRejected(
        m -> m.getAsJsonObject("text").addProperty("max_sequence_length", 16),
        "text.max_sequence_length must be an integer >= 24, but was 16");
  }

  @Test
  void parse_rejectsADynamicSequenceThatIsNotABoolean() {
    assertRejected(
        m -> m.getAsJsonObject("text").addProperty("dynamic_sequence", "yes"),
        "text.dynamic_sequence must be true or false, but was \"yes\"");
  }

  @Test
  void encoderFile_picksFileByPrecision() throws IOException {
    EncoderSpec encoder = ManifestParser.parse(example(), DIR).vision().orElseThrow().encoder();

    assertEquals(DIR.resolve("vision_encoder.onnx"), encoder.file(ModelPrecision.FP32));
    assertEquals(DIR.resolve("vision_encoder.int8.onnx"), encoder.file(ModelPrecision.INT8));
  }

  @Test
  void parse_rejectsOtherFormatVersion() {
    assertRejected(m -> m.addProperty("format_version", 2), "format_version must be 1, but was 2");
  }

  @Test
  void parse_rejectsZeroContextLengthNamingField() {
    assertRejected(
        m -> m.getAsJsonObject("text").addProperty("context_length", 0),
        "text.context_length must be an integer >= 1, but was 0");
  }

  @Test
  void parse_rejectsUnknownDtypeNamingTensor() {
    assertRejected(
        m ->
            encoder(m, "text")
                .getAsJsonArray("inputs")
                .get(1)
                .getAsJsonObject()
                .addProperty("dtype", "int32"),
        "text.encoder.inputs[1].dtype must be one of [float32, int64], but was \"int32\"");
  }

  @Test
  void parse_rejectsZeroDimension() {
    assertRejected(
        m -> {
          JsonArray shape = new JsonArray();
          shape.add(-1);
          shape.add(0);
          encoder(m, "vision")
              .getAsJsonArray("outputs")
              .get(0)
              .getAsJsonObject()
              .add("shape", shape);
        },
        "vision.encoder.outputs[0].shape[1] must be -1 (dynamic) or > 0, but was 0");
  }

  @Test
  void parse_rejectsMeanWithTwoValues() {
    assertRejected(
        m -> {
          JsonArray mean = new JsonArray();
          mean.add(0.5);
          mean.add(0.5);
          m.getAsJsonObject("vision").add("mean", mean);
        },
        "vision.mean must have 3 numbers, but was [0.5,0.5]");
  }

  @Test
  void parse_rejectsMissingEncoderFile() {
    assertRejected(m -> encoder(m, "text").remove("file"), "text.encoder.file is missing");
  }

  @Test
  void parse_rejectsFileNameNoPathCanHold() {
    // found by ManifestParserFuzzTest: InvalidPathException escaped the parser
    assertRejected(
        m -> encoder(m, "text").addProperty("int8_file", "text\u0000.onnx"),
        "text.encoder.int8_file must be a file name (Nul character not allowed),"
            + " but was \"text\\u0000.onnx\"");
  }

  @Test
  void parse_rejectsAFileOutsideThePackFolder() {
    assertRejected(
        m -> encoder(m, "text").addProperty("file", "../other-pack/text_encoder.onnx"),
        "text.encoder.file must name a file inside the pack's folder,"
            + " but was \"../other-pack/text_encoder.onnx\"");
    assertRejected(
        m -> m.getAsJsonObject("text").addProperty("tokenizer", "/etc/passwd"),
        "text.tokenizer must name a file inside the pack's folder, but was \"/etc/passwd\"");
    assertRejected(
        m -> encoder(m, "vision").addProperty("file", "."),
        "vision.encoder.file must name a file inside the pack's folder, but was \".\"");
  }

  @Test
  void parse_acceptsAFileInASubfolderOfThePack() throws IOException {
    JsonObject m = JsonParser.parseString(example()).getAsJsonObject();
    encoder(m, "text").addProperty("file", "onnx/../onnx/text_encoder.onnx");
    assertEquals(
        DIR.resolve("onnx/../onnx/text_encoder.onnx"),
        ManifestParser.parse(m.toString(), DIR)
            .text()
            .orElseThrow()
            .encoder()
            .file(ModelPrecision.FP32));
  }

  @Test
  void parse_rejectsNumberWithAnExponentGsonCannotRead() {
    // found by ManifestParserFuzzTest: Gson's NumberFormatException escaped the parser
    assertRejected(
        m -> m.add("logit_scale", JsonParser.parseString("0.24E40821073")),
        "logit_scale must be a number of a usable size, but was 0.24E40821073");
  }

  @Test
  void parse_rejectsNegativeLogitScale() {
    assertRejected(
        m -> m.addProperty("logit_scale", -1),
        "logit_scale must be a finite number > 0, but was -1");
  }

  @Test
  void parse_rejectsDuplicateTensorName() {
    assertRejected(
        m ->
            encoder(m, "text")
                .getAsJsonArray("inputs")
                .get(1)
                .getAsJsonObject()
                .addProperty("name", "input_ids"),
        "text.encoder.inputs[1].name repeats \"input_ids\"");
  }

  @Test
  void parse_rejectsPackWithoutTextOrVision() {
    assertRejected(
        m -> {
          m.remove("text");
          m.remove("vision");
        },
        "text and vision are both missing; a pack needs at least one");
  }

  @Test
  void parse_rejectsInvalidJson() {
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> ManifestParser.parse("{\"name\": ", DIR));

    assertTrue(e.getMessage().startsWith("not valid JSON"), e.getMessage());
  }

  @Test
  void parse_acceptsTextOnlyPack() throws IOException {
    JsonObject m = JsonParser.parseString(example()).getAsJsonObject();
    m.remove("vision");
    m.remove("fusion");

    ModelManifest manifest = ManifestParser.parse(m.toString(), DIR);

    assertTrue(manifest.vision().isEmpty());
    assertTrue(manifest.fusion().isEmpty());
  }

  static String example() throws IOException {
    try (InputStream in =
        ManifestParserTest.class.getResourceAsStream("/packs/shapes-clip/model.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static JsonObject encoder(JsonObject manifest, String side) {
    return manifest.getAsJsonObject(side).getAsJsonObject("encoder");
  }

  private static void assertRejected(Consumer<JsonObject> change, String message) {
    JsonObject m;
    try {
      m = JsonParser.parseString(example()).getAsJsonObject();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    change.accept(m);

    ModelPackException e =
        assertThrows(ModelPackException.class, () -> ManifestParser.parse(m.toString(), DIR));

    assertEquals(message, e.getMessage());
  }
}
