package io.mmserve.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.vision.Golden;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ImageEncoderTest {
  private static ModelPack pack;
  private static OnnxRuntimeBackend onnx;

  private final RecordingBackend backend = new RecordingBackend(onnx);
  private final ImageEncoder encoder =
      new ImageEncoder(
          new ModelRegistry(List.of(pack)),
          backend,
          ImageLimits.defaults(),
          BatchingSettings.ofItems(32, Duration.ofMillis(2), 64, 1),
          2,
          new SimpleMeterRegistry());

  @BeforeAll
  static void loadModel() {
    pack = ModelPack.load(ReferencePack.dir());
    onnx =
        OnnxRuntimeBackend.open(
            OnnxRuntimeConfig.defaults(),
            ImageEncoder.backendModels(new ModelRegistry(List.of(pack)), ModelPrecision.FP32));
  }

  @AfterAll
  static void closeModel() {
    onnx.close();
  }

  @AfterEach
  void closeEncoder() {
    encoder.close();
  }

  @Test
  void encode_callerGoneBeforeTheModelCall_isDroppedWithoutRunningIt() {
    // Still wanted while decoding (first read), gone by the time the batcher looks (later reads).
    AtomicInteger reads = new AtomicInteger();
    CompletableFuture<ImageEncoding> result =
        encoder.encode(request(Golden.image(".png")), () -> reads.getAndIncrement() > 0);

    CompletionException e = assertThrows(CompletionException.class, result::join);
    assertInstanceOf(CancelledException.class, e.getCause());
    assertEquals(List.of(), backend.batchSizes());
  }

  @Test
  void encode_callerGoneBeforeDecoding_decodesNothing() {
    CompletableFuture<ImageEncoding> result =
        encoder.encode(request(Golden.image(".png"), Golden.image(".jpg")), () -> true);

    CompletionException e = assertThrows(CompletionException.class, result::join);
    assertInstanceOf(CancelledException.class, e.getCause());
    assertEquals(List.of(), backend.batchSizes());
  }

  @Test
  void encode_includeFeaturesFalse_returnsNoPatchFeatures() {
    ImageEncoding out = encoder.encode(request(Golden.image(".png")), () -> false).join();

    assertEquals(pack.name(), out.model());
    assertEquals(pack.version(), out.modelVersion());
    assertEquals(java.util.Optional.empty(), out.patchFeatures());
  }

  @Test
  void encode_neverThrows_failsTheFutureInstead() {
    CompletableFuture<ImageEncoding> result =
        encoder.encode(new ImageRequest("", List.of(), false, true), () -> false);

    CompletionException e = assertThrows(CompletionException.class, result::join);
    assertInstanceOf(InvalidInputException.class, e.getCause());
  }

  private static ImageRequest request(Golden.Image... images) {
    return new ImageRequest(
        "", List.of(images).stream().map(i -> ImageInput.encoded(i.bytes())).toList(), false, true);
  }
}
