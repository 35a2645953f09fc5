package io.mmserve.text.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.inference.DType;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.pack.EncoderSpec;
import io.mmserve.inference.pack.ModelManifest;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.inference.pack.TextSpec;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.text.tokenizer.PackTokenizer;
import io.mmserve.text.tokenizer.TokenizedText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text encoder follows the pack's manifest: which inputs to feed, which outputs to expect. */
class TextEncoderManifestTest {
  private static final BatchingSettings BATCHING =
      BatchingSettings.ofItems(8, Duration.ZERO, 64, 1);
  private static final TextLimits LIMITS = new TextLimits(16, 1000);

  @TempDir Path dir;

  @Test
  void encode_feedsOnlyTheInputsTheManifestLists() throws Exception {
    ModelPack pack = pack(List.of(ids()));
    RecordingBackend backend = new RecordingBackend(TextModel.backendModelName(pack), 3, 4);

    try (TextEncoder encoder = encoder(pack, backend)) {
      encoder
          .encode(new TextRequest("", List.of("a red circle", ""), false, false), () -> false)
          .get(10, TimeUnit.SECONDS);
    }

    int length = pack.manifest().text().orElseThrow().contextLength();
    long rows = 0;
    for (Map<String, Tensor> call : backend.calls) {
      assertEquals(Set.of(TextModelIo.INPUT_IDS), call.keySet());
      assertEquals(length, call.get(TextModelIo.INPUT_IDS).dim(1));
      rows += call.get(TextModelIo.INPUT_IDS).dim(0);
    }
    assertEquals(2, rows);
  }

  @Test
  void encode_normalizeFalseAnswersTheModelOutputAsItIs() throws Exception {
    ModelPack pack = pack(List.of(ids()));
    RecordingBackend backend = new RecordingBackend(TextModel.backendModelName(pack), 3, 4);

    try (TextEncoder encoder = encoder(pack, backend)) {
      TextEncoding raw =
          encoder
              .encode(new TextRequest("", List.of("a"), false, false), () -> false)
              .get(10, TimeUnit.SECONDS);
      TextEncoding normalized =
          encoder
              .encode(new TextRequest("", List.of("a"), false, true), () -> false)
              .get(10, TimeUnit.SECONDS);

      assertArrayEquals(new float[] {3, 4}, raw.embeddings().toFloatArray());
      assertArrayEquals(new float[] {0.6f, 0.8f}, normalized.embeddings().toFloatArray(), 1e-7f);
    }
  }

  @Test
  void encode_rejectsIncludeFeaturesWhenTheModelHasNone() {
    ModelPack pack = pack(List.of(ids()));
    RecordingBackend backend = new RecordingBackend(TextModel.backendModelName(pack), 3, 4);

    try (TextEncoder encoder = encoder(pack, backend)) {
      InvalidInputException e =
          assertThrows(
              InvalidInputException.class,
              () -> encoder.encode(new TextRequest("", List.of("a"), true, false), () -> false));
      assertTrue(e.getMessage().startsWith("include_features: "), e.getMessage());
    }
  }

  @Test
  void constructor_rejectsAnInputTheEncoderDoesNotKnow() {
    TensorSpec pixels =
        new TensorSpec("pixel_values", DType.FLOAT32, List.of(TensorSpec.DYNAMIC, 3L));
    ModelPack pack = pack(List.of(ids(), pixels));

    ModelPackException e =
        assertThrows(
            ModelPackException.class,
            () -> encoder(pack, new RecordingBackend(TextModel.backendModelName(pack), 1)));
    assertTrue(e.getMessage().contains("'pixel_values'"), e.getMessage());
  }

  @Test
  void encode_dynamicSequencePackRunsABatchAtTheBucketOfItsLongestText() throws Exception {
    ModelPack pack = pack(List.of(dynamicIds()), true);
    RecordingBackend backend = new RecordingBackend(TextModel.backendModelName(pack), 3, 4);
    PackTokenizer tokenizer = PackTokenizer.load(pack);
    TokenizedText tokens = tokenizer.tokenize("a red circle");
    tokenizer.close();

    try (TextEncoder encoder = encoder(pack, backend)) {
      encoder
          .encode(new TextRequest("", List.of("a red circle"), false, false), () -> false)
          .get(10, TimeUnit.SECONDS);
    }

    // a caption of a few tokens runs at the 16 bucket, not at the context length of 24
    Tensor ids = backend.calls.get(0).get(TextModelIo.INPUT_IDS);
    assertArrayEquals(new long[] {1, 16}, ids.shape());
    assertArrayEquals(Arrays.copyOf(tokens.ids(), 16), ids.toLongArray());
  }

  @Test
  void encode_dynamicSequencePackRunsALongTextAtTheContextLength() throws Exception {
    ModelPack pack = pack(List.of(dynamicIds()), true);
    RecordingBackend backend = new RecordingBackend(TextModel.backendModelName(pack), 3, 4);
    String longText =
        "a large orange star on the right and a small white circle on the left and more";

    try (TextEncoder encoder = encoder(pack, backend)) {
      encoder
          .encode(new TextRequest("", List.of(longText), false, false), () -> false)
          .get(10, TimeUnit.SECONDS);
    }

    assertEquals(24, backend.calls.get(0).get(TextModelIo.INPUT_IDS).dim(1));
  }

  @Test
  void encode_fixedBucketsRunADynamicPackAtTheContextLength() throws Exception {
    ModelPack pack = pack(List.of(dynamicIds()), true);
    RecordingBackend backend = new RecordingBackend(TextModel.backendModelName(pack), 3, 4);

    try (TextEncoder encoder =
        new TextEncoder(
            new ModelRegistry(List.of(pack)),
            backend,
            BATCHING,
            SequenceBuckets.fixed(),
            LIMITS,
            new SimpleMeterRegistry())) {
      encoder
          .encode(new TextRequest("", List.of("a"), false, false), () -> false)
          .get(10, TimeUnit.SECONDS);
    }

    assertEquals(24, backend.calls.get(0).get(TextModelIo.INPUT_IDS).dim(1));
  }

  @Test
  void encode_fixedLengthPackRunsAtTheContextLengthWhateverTheBuckets() throws Exception {
    ModelPack pack = pack(List.of(ids()));
    RecordingBackend backend = new RecordingBackend(TextModel.backendModelName(pack), 3, 4);

    try (TextEncoder encoder = encoder(pack, backend)) {
      encoder
          .encode(new TextRequest("", List.of("a"), false, false), () -> false)
          .get(10, TimeUnit.SECONDS);
    }

    assertEquals(24, backend.calls.get(0).get(TextModelIo.INPUT_IDS).dim(1));
  }

  @Test
  void constructor_rejectsADynamicSequencePackWhoseIdsHaveAFixedLength() {
    ModelPack pack = pack(List.of(ids()), true);

    ModelPackException e =
        assertThrows(
            ModelPackException.class,
            () -> encoder(pack, new RecordingBackend(TextModel.backendModelName(pack), 1)));
    assertEquals(
        "ids-only@0.0.1: text.dynamic_sequence is true, so text encoder tensor 'input_ids' must"
            + " declare its sequence axis as -1, but its shape is [-1, 24]",
        e.getMessage());
  }

  private TextEncoder encoder(ModelPack pack, RecordingBackend backend) {
    return new TextEncoder(
        new ModelRegistry(List.of(pack)), backend, BATCHING, LIMITS, new SimpleMeterRegistry());
  }

  /** A pack with the bundled tokenizer, 2-wide embeddings and the given encoder inputs. */
  private ModelPack pack(List<TensorSpec> inputs) {
    return pack(inputs, false);
  }

  /** The same, declaring {@code dynamic_sequence} when {@code dynamic}. */
  private ModelPack pack(List<TensorSpec> inputs, boolean dynamic) {
    TextSpec bundled = ModelPack.load(ReferencePack.dir()).manifest().text().orElseThrow();
    EncoderSpec encoder =
        new EncoderSpec(
            dir.resolve("text.onnx"),
            Optional.empty(),
            inputs,
            List.of(
                new TensorSpec(
                    TextModelIo.EMBEDDINGS, DType.FLOAT32, List.of(TensorSpec.DYNAMIC, 2L))));
    TextSpec text =
        new TextSpec(
            bundled.tokenizer(),
            bundled.contextLength(),
            bundled.padId(),
            encoder,
            dynamic,
            bundled.contextLength());
    ModelManifest manifest =
        new ModelManifest(
            1,
            "ids-only",
            "0.0.1",
            2,
            100.0,
            Optional.of(text),
            Optional.empty(),
            Optional.empty());
    return new ModelPack(dir, manifest);
  }

  private static TensorSpec ids() {
    int length =
        ModelPack.load(ReferencePack.dir()).manifest().text().orElseThrow().contextLength();
    return new TensorSpec(
        TextModelIo.INPUT_IDS, DType.INT64, List.of(TensorSpec.DYNAMIC, (long) length));
  }

  private static TensorSpec dynamicIds() {
    return new TensorSpec(
        TextModelIo.INPUT_IDS, DType.INT64, List.of(TensorSpec.DYNAMIC, TensorSpec.DYNAMIC));
  }
}
