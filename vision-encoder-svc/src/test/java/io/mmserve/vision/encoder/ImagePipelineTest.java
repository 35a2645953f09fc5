package io.mmserve.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.errors.OverloadedException;
import io.mmserve.testsupport.Poll;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.vision.Golden;
import io.opentelemetry.api.trace.TracerProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vision pipeline against the real bundled model, with the model call held at a latch: what is
 * prepared while the model runs, and where the pipeline stops. One image per model call, one call
 * at a time, at most two images prepared and not yet answered.
 */
class ImagePipelineTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static ModelPack pack;
  private static OnnxRuntimeBackend onnx;

  private final HeldBackend backend = new HeldBackend(onnx);
  private final ImageEncoder encoder =
      new ImageEncoder(
          new ModelRegistry(List.of(pack)),
          backend,
          ImageLimits.defaults(),
          BatchingSettings.ofItems(1, Duration.ZERO, 6, 1),
          new Preparation(2, 2),
          new SimpleMeterRegistry(),
          TracerProvider.noop().get(""));

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
    backend.release.countDown();
    encoder.close();
  }

  @Test
  void whileTheModelRuns_theNextImageIsPreparedAndTheRestWaitUndecodedOfBuffers() throws Exception {
    CompletableFuture<ImageEncoding> running = encoder.encode(request(".png"), () -> false);
    assertTrue(backend.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "first model call");
    List<CompletableFuture<ImageEncoding>> behind = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      behind.add(encoder.encode(request(".png"), () -> false));
    }

    // the running image and the next hold both buffers; the next is queued as ready pixels, and
    // the two after it wait, cropped, for a buffer
    ImageModel.PipelineLoad full = new ImageModel.PipelineLoad(2, 2, 1);
    Poll.until("the pipeline to fill", WAIT, encoder::load, full::equals);
    assertEquals(1, backend.calls.size(), "the model is still on the first image");
    assertFalse(running.isDone());

    backend.release.countDown();

    float[] expected = floats(running.get(WAIT.toSeconds(), TimeUnit.SECONDS).embeddings());
    for (CompletableFuture<ImageEncoding> answer : behind) {
      assertArrayEquals(
          expected, floats(answer.get(WAIT.toSeconds(), TimeUnit.SECONDS).embeddings()));
    }
    assertEquals(List.of(1L, 1L, 1L, 1L), backend.calls);
    Poll.until("the buffers to come back", WAIT, encoder::load, l -> l.prepared() == 0);
    Poll.until("every image to leave", WAIT, encoder::imagesInside, n -> n == 0);
  }

  @Test
  void pastMaxQueueItems_aRequestIsRefusedBeforeDecoding() throws Exception {
    encoder.encode(request(".png"), () -> false);
    assertTrue(backend.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "first model call");
    for (int i = 0; i < 5; i++) {
      encoder.encode(request(".png"), () -> false);
    }

    CompletableFuture<ImageEncoding> refused = encoder.encode(request(".png"), () -> false);

    CompletionException e = assertThrows(CompletionException.class, refused::join);
    assertInstanceOf(OverloadedException.class, e.getCause());
    assertEquals(6, encoder.imagesInside());
  }

  @Test
  void pastMaxAdmittedBytes_aRequestIsRefusedBeforeDecoding() throws Exception {
    long imageBytes = request(".png").images().get(0).byteCount();
    try (ImageEncoder bounded =
        new ImageEncoder(
            new ModelRegistry(List.of(pack)),
            backend,
            ImageLimits.defaults(),
            BatchingSettings.ofItems(1, Duration.ZERO, 6, 1),
            new Preparation(2, 2, 2 * imageBytes),
            new SimpleMeterRegistry(),
            TracerProvider.noop().get(""))) {
      bounded.encode(request(".png"), () -> false);
      assertTrue(backend.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "first model call");
      bounded.encode(request(".png"), () -> false); // exactly at the bound: admitted

      CompletableFuture<ImageEncoding> refused = bounded.encode(request(".png"), () -> false);

      CompletionException e = assertThrows(CompletionException.class, refused::join);
      assertInstanceOf(OverloadedException.class, e.getCause());
      assertTrue(
          e.getCause().getMessage().contains("(limit 6 images, " + 2 * imageBytes + " bytes)"),
          e.getCause().getMessage());
      assertEquals(2, bounded.imagesInside());
      backend.release.countDown();
      Poll.until("every image to leave", WAIT, bounded::imagesInside, n -> n == 0);
    }
  }

  @Test
  void new_maxPreparedBelowTheBatchSize_isRefusedShowingBoth() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ImageEncoder(
                    new ModelRegistry(List.of(pack)),
                    backend,
                    ImageLimits.defaults(),
                    BatchingSettings.ofItems(8, Duration.ZERO, 64, 1),
                    new Preparation(1, 4),
                    new SimpleMeterRegistry(),
                    TracerProvider.noop().get("")));

    assertEquals("maxPrepared must be at least the batch size (8), but was 4", e.getMessage());
  }

  private static ImageRequest request(String suffix) {
    return new ImageRequest(
        "", List.of(ImageInput.encoded(Golden.image(suffix).bytes())), false, true);
  }

  private static float[] floats(Tensor t) {
    float[] out = new float[(int) (t.dim(0) * t.dim(1))];
    t.data().asFloatBuffer().get(out);
    return out;
  }

  /** The real model, whose first call waits at a latch until the test releases it. */
  private static final class HeldBackend implements InferenceBackend {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<Long> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final InferenceBackend delegate;

    HeldBackend(InferenceBackend delegate) {
      this.delegate = delegate;
    }

    @Override
    public Map<String, Tensor> infer(String model, Map<String, Tensor> inputs) {
      calls.add(inputs.values().iterator().next().dim(0));
      entered.countDown();
      try {
        if (!release.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the model");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return delegate.infer(model, inputs);
    }

    @Override
    public Set<String> models() {
      return delegate.models();
    }

    @Override
    public void close() {}
  }
}
