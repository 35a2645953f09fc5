package io.mmserve.text.encoder;

import static io.mmserve.text.GoldenAssertions.EMBEDDING_TOLERANCE;
import static io.mmserve.text.GoldenAssertions.assertWithin;
import static io.mmserve.text.GoldenAssertions.realTokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ModelNotFoundException;
import io.mmserve.kit.errors.ResourceLimitException;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The text encoder on the bundled pack with ONNX Runtime, against the golden files. */
class TextEncoderTest {
  private static final int MAX_TEXT_CHARS = 300;
  private static final long TIMEOUT_SECONDS = 60;

  /** Padding a batch only to its bucket must not move an embedding by more than this. */
  private static final double PARITY_TOLERANCE = 1e-5;

  private static ModelPack pack;
  private static OnnxRuntimeBackend backend;
  private static TextEncoder encoder;
  private static List<String> captions;

  @BeforeAll
  static void start() {
    ModelRegistry registry = ModelRegistry.load(List.of(ReferencePack.dir()));
    pack = registry.defaultPack();
    backend =
        OnnxRuntimeBackend.open(
            new OnnxRuntimeConfig(1, 1, OnnxRuntimeConfig.Optimization.ALL),
            TextEncoder.backendModels(registry, ModelPrecision.FP32));
    encoder =
        new TextEncoder(
            registry,
            backend,
            BatchingSettings.ofItems(32, Duration.ofMillis(2), 1024, 1),
            new TextLimits(256, MAX_TEXT_CHARS),
            new SimpleMeterRegistry());
    captions = ReferencePack.captions();
  }

  @AfterAll
  static void stop() {
    encoder.close();
    backend.close();
  }

  @Test
  void encode_embeddingsMatchTheReferenceForEveryCaption() throws Exception {
    TextEncoding result = encode(new TextRequest("", captions, false, false));

    Npy.Array expected = ReferencePack.array("text_embeds");
    assertArrayEquals(expected.shape(), result.embeddings().shape());
    assertWithin(
        EMBEDDING_TOLERANCE, expected.floats(), result.embeddings().toFloatArray(), "text_embeds");
    assertEquals(pack.name(), result.model());
    assertEquals(pack.version(), result.modelVersion());
  }

  @Test
  void encode_normalizeGivesUnitVectorsThatStillMatchTheReference() throws Exception {
    TextEncoding result = encode(new TextRequest("", captions, false, true));

    Npy.Array expected = ReferencePack.array("text_embeds");
    assertWithin(
        EMBEDDING_TOLERANCE, expected.floats(), result.embeddings().toFloatArray(), "text_embeds");
    for (int i = 0; i < captions.size(); i++) {
      float[] row = result.embeddings().row(i).toFloatArray();
      double sum = 0;
      for (float x : row) {
        sum += x * x;
      }
      assertEquals(1.0, Math.sqrt(sum), 1e-6, "norm of row " + i);
    }
  }

  @Test
  void encode_tokenFeaturesAndMasksMatchTheReference() throws Exception {
    TextEncoding result = encode(new TextRequest("", captions, true, false));

    Npy.Array features = ReferencePack.array("token_features");
    Npy.Array masks = ReferencePack.array("attention_mask");
    Tensor gotFeatures = result.tokenFeatures().orElseThrow();
    assertArrayEquals(features.shape(), gotFeatures.shape());
    // the real tokens' features are the reference's; past a batch's padded length they are zero
    assertWithin(
        EMBEDDING_TOLERANCE,
        realTokens(features.floats(), masks.longs()),
        realTokens(gotFeatures.toFloatArray(), masks.longs()),
        "token_features");
    assertArrayEquals(masks.shape(), result.attentionMask().orElseThrow().shape());
    assertArrayEquals(masks.longs(), result.attentionMask().orElseThrow().toLongArray());
  }

  @Test
  void encode_withoutIncludeFeaturesAnswersNoFeatures() throws Exception {
    TextEncoding result = encode(new TextRequest("", captions.subList(0, 2), false, true));

    assertFalse(result.tokenFeatures().isPresent());
    assertFalse(result.attentionMask().isPresent());
  }

  @Test
  void encode_reportsTruncationAndTokenCountsPerText() throws Exception {
    TextEncoding result = encode(new TextRequest("", captions, false, false));

    Npy.Array truncated = ReferencePack.array("truncated");
    Npy.Array masks = ReferencePack.array("attention_mask");
    for (int i = 0; i < captions.size(); i++) {
      assertEquals(truncated.longs()[i] != 0, result.truncated().get(i), "truncated " + i);
      long count = 0;
      for (long m : masks.longRow(i)) {
        count += m;
      }
      assertEquals(count, (long) result.tokenCounts().get(i), "token count " + i);
    }
  }

  @Test
  void encode_tooLongTextFailsItsRequestAloneNamingItsIndex() throws Exception {
    CompletableFuture<TextEncoding> other =
        encoder.encode(new TextRequest("", captions.subList(0, 3), false, false), () -> false);
    List<String> mixed = List.of(captions.get(0), "x".repeat(MAX_TEXT_CHARS + 1), captions.get(1));

    ResourceLimitException e =
        assertThrows(
            ResourceLimitException.class,
            () -> encoder.encode(new TextRequest("", mixed, false, false), () -> false));
    assertTrue(e.getMessage().startsWith("texts[1]: "), e.getMessage());
    assertTrue(e.getMessage().contains("limit of " + MAX_TEXT_CHARS), e.getMessage());
    TextEncoding otherResult = other.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertWithin(
        EMBEDDING_TOLERANCE,
        ReferencePack.array("text_embeds").floatRow(2),
        otherResult.embeddings().row(2).toFloatArray(),
        "the other request");
  }

  @Test
  void encode_concurrentCallersEachGetTheirOwnRows() throws Exception {
    int threads = 16;
    Npy.Array expected = ReferencePack.array("text_embeds");
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<TextEncoding>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        // thread t sends captions t and t + 1 (mod n), so every request differs from its neighbours
        List<String> texts =
            List.of(captions.get(t % captions.size()), captions.get((t + 1) % captions.size()));
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return encode(new TextRequest("", texts, false, false));
                }));
      }
      start.countDown();
      for (int t = 0; t < threads; t++) {
        TextEncoding result = results.get(t).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        for (int k = 0; k < 2; k++) {
          int caption = (t + k) % captions.size();
          assertWithin(
              EMBEDDING_TOLERANCE,
              expected.floatRow(caption),
              result.embeddings().row(k).toFloatArray(),
              "thread " + t + " row " + k);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void encode_dropsTheTextsOfACallerThatGaveUp() {
    CompletableFuture<TextEncoding> result =
        encoder.encode(new TextRequest("", captions.subList(0, 2), false, false), () -> true);

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertInstanceOf(CancelledException.class, e.getCause());
  }

  @Test
  void encode_rejectsARequestWithoutTexts() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> encoder.encode(new TextRequest("", List.of(), false, false), () -> false));
    assertEquals("texts: must contain at least one text", e.getMessage());
  }

  @Test
  void encode_rejectsAnUnknownModelListingTheServedOnes() {
    ModelNotFoundException e =
        assertThrows(
            ModelNotFoundException.class,
            () -> encoder.encode(new TextRequest("nope", List.of("a"), false, false), () -> false));
    assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    assertTrue(e.getMessage().contains(pack.manifest().id()), e.getMessage());
  }

  @Test
  void encode_acceptsTheModelByNameAndByNameAtVersion() throws Exception {
    assertEquals(
        pack.version(),
        encode(new TextRequest(pack.name(), List.of("a"), false, false)).modelVersion());
    assertEquals(
        pack.version(),
        encode(new TextRequest(pack.manifest().id(), List.of("a"), false, false)).modelVersion());
  }

  @Test
  void encode_eachCaptionAloneMatchesTheFixedLengthReferenceWithin1e5() throws Exception {
    Npy.Array expected = ReferencePack.array("text_embeds");
    for (int i = 0; i < captions.size(); i++) {
      TextEncoding alone = encode(new TextRequest("", List.of(captions.get(i)), false, false));

      assertWithin(
          PARITY_TOLERANCE,
          expected.floatRow(i),
          alone.embeddings().toFloatArray(),
          "caption " + i + " alone");
    }
  }

  @Test
  void encode_captionsInOneBatchWithLongerAndShorterTextsMatchTheReferenceWithin1e5()
      throws Exception {
    // one batch of every caption (the longest is truncated to the context length), and one of the
    // shorter half only, which runs at a smaller bucket
    List<Integer> shortHalf = List.of(0, 3, 6, 8, 9);
    Npy.Array expected = ReferencePack.array("text_embeds");
    try (TextEncoder oneBatch =
        oneBatchEncoder(captions.size(), SequenceBuckets.of("b", List.of(8, 12, 16)))) {
      TextEncoding all =
          oneBatch
              .encode(new TextRequest("", captions, true, false), () -> false)
              .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertWithin(PARITY_TOLERANCE, expected.floats(), all.embeddings().toFloatArray(), "all");
    }
    try (TextEncoder oneBatch =
        oneBatchEncoder(shortHalf.size(), SequenceBuckets.of("b", List.of(8, 12, 16)))) {
      List<String> texts = shortHalf.stream().map(captions::get).toList();
      TextEncoding shorter =
          oneBatch
              .encode(new TextRequest("", texts, false, false), () -> false)
              .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      for (int k = 0; k < shortHalf.size(); k++) {
        assertWithin(
            PARITY_TOLERANCE,
            expected.floatRow(shortHalf.get(k)),
            shorter.embeddings().row(k).toFloatArray(),
            "caption " + shortHalf.get(k) + " among shorter texts");
      }
    }
  }

  @Test
  void encode_dynamicAndFixedLengthRunsGiveTheSameEmbeddingsAndFeaturesWithin1e5()
      throws Exception {
    TextEncoding dynamic;
    TextEncoding fixed;
    try (TextEncoder oneBatch = oneBatchEncoder(4, SequenceBuckets.of("b", List.of(8, 16)))) {
      dynamic =
          oneBatch
              .encode(new TextRequest("", captions.subList(0, 4), true, false), () -> false)
              .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    try (TextEncoder oneBatch = oneBatchEncoder(4, SequenceBuckets.fixed())) {
      fixed =
          oneBatch
              .encode(new TextRequest("", captions.subList(0, 4), true, false), () -> false)
              .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    long[] mask = fixed.attentionMask().orElseThrow().toLongArray();
    assertArrayEquals(mask, dynamic.attentionMask().orElseThrow().toLongArray());
    assertWithin(
        PARITY_TOLERANCE,
        fixed.embeddings().toFloatArray(),
        dynamic.embeddings().toFloatArray(),
        "embeddings");
    assertWithin(
        PARITY_TOLERANCE,
        realTokens(fixed.tokenFeatures().orElseThrow().toFloatArray(), mask),
        realTokens(dynamic.tokenFeatures().orElseThrow().toFloatArray(), mask),
        "real tokens' features");
  }

  /**
   * An encoder whose batches go only when {@code batchSize} texts are queued, so one request of
   * that many texts is one model call.
   */
  private static TextEncoder oneBatchEncoder(int batchSize, SequenceBuckets buckets) {
    return new TextEncoder(
        ModelRegistry.load(List.of(ReferencePack.dir())),
        backend,
        BatchingSettings.ofItems(batchSize, Duration.ofSeconds(10), 1024, 1),
        buckets,
        new TextLimits(256, MAX_TEXT_CHARS),
        new SimpleMeterRegistry());
  }

  private static TextEncoding encode(TextRequest request) throws Exception {
    return encoder.encode(request, () -> false).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }
}
