package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.inference.BackendModel;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.EncoderSpec;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TritonBackend against a real Triton (triton/serve.py: PyTriton's tritonserver running the pack's
 * ONNX files). Tests that stop Triton start it again before they end.
 */
class TritonBackendIT {
  /** The bound between Triton mode and embedded mode. */
  static final double PARITY_TOLERANCE = 1e-5;

  private static final ModelPack PACK = ModelPack.load(ReferencePack.dir());
  private static final String TEXT = PACK.manifest().id() + "/text";
  private static final String VISION = PACK.manifest().id() + "/vision";
  private static final List<BackendModel> MODELS =
      List.of(
          BackendModel.of(
              TEXT, PACK.manifest().text().orElseThrow().encoder(), ModelPrecision.FP32),
          BackendModel.of(
              VISION, PACK.manifest().vision().orElseThrow().encoder(), ModelPrecision.FP32));

  private static TritonServerProcess triton;
  private static TritonBackend backend;
  private static OnnxRuntimeBackend embedded;

  @BeforeAll
  static void start() throws IOException, InterruptedException {
    triton = TritonServerProcess.forBundledPack().start();
    backend = TritonBackend.connect(TritonConfig.forTarget(triton.target()), MODELS);
    embedded =
        OnnxRuntimeBackend.open(
            OnnxRuntimeConfig.from(Config.of(OnnxRuntimeConfig.defaultSettings())), MODELS);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (backend != null) {
      backend.close();
    }
    if (embedded != null) {
      embedded.close();
    }
    if (triton != null) {
      triton.stop();
    }
  }

  private static Map<String, Tensor> goldenTextInputs() throws IOException {
    Npy.Array ids = golden("input_ids");
    Npy.Array mask = golden("attention_mask");
    return Map.of(
        "input_ids", Tensor.ofLongs(ids.longs(), ids.shape()),
        "attention_mask", Tensor.ofLongs(mask.longs(), mask.shape()));
  }

  private static Map<String, Tensor> goldenPixels() throws IOException {
    List<Tensor> images = new ArrayList<>();
    for (String file : Golden.imagePixelFiles()) {
      Npy.Array pixels = ReferencePack.read(file);
      images.add(Tensor.ofFloats(pixels.floats(), pixels.shape()));
    }
    String input = PACK.manifest().vision().orElseThrow().encoder().inputs().get(0).name();
    return Map.of(input, Tensor.stack(images));
  }

  private static Npy.Array golden(String name) throws IOException {
    return ReferencePack.read(Golden.arrayFile(name));
  }

  @Test
  void textEncoder_matchesEmbeddedModeAndTheGoldenFile() throws IOException {
    Map<String, Tensor> inputs = goldenTextInputs();
    Map<String, Tensor> viaTriton = backend.infer(TEXT, inputs);
    Map<String, Tensor> inProcess = embedded.infer(TEXT, inputs);
    for (TensorSpec output : MODELS.get(0).outputs()) {
      assertClose(
          inProcess.get(output.name()).toFloatArray(),
          viaTriton.get(output.name()).toFloatArray(),
          PARITY_TOLERANCE,
          output.name());
    }
    String embeds = MODELS.get(0).outputs().get(0).name();
    assertClose(
        golden(embeds).floats(), viaTriton.get(embeds).toFloatArray(), Golden.tolerance(), embeds);
  }

  @Test
  void visionEncoder_matchesEmbeddedModeAndTheGoldenFile() throws IOException {
    Map<String, Tensor> inputs = goldenPixels();
    Map<String, Tensor> viaTriton = backend.infer(VISION, inputs);
    Map<String, Tensor> inProcess = embedded.infer(VISION, inputs);
    for (TensorSpec output : MODELS.get(1).outputs()) {
      assertClose(
          inProcess.get(output.name()).toFloatArray(),
          viaTriton.get(output.name()).toFloatArray(),
          PARITY_TOLERANCE,
          output.name());
    }
    String embeds = MODELS.get(1).outputs().get(0).name();
    assertClose(
        golden(embeds).floats(), viaTriton.get(embeds).toFloatArray(), Golden.tolerance(), embeds);
  }

  @Test
  void connect_refusesAModelNameTritonDoesNotServe() {
    TritonStartupException e =
        assertThrows(
            TritonStartupException.class,
            () ->
                TritonBackend.connect(
                    TritonConfig.forTarget(triton.target()).withModels("wrong-", ""), MODELS));
    assertTrue(
        e.getMessage().contains("'wrong-" + PACK.manifest().name() + "-text'"), e.getMessage());
    assertTrue(e.getMessage().contains("does not serve the model"), e.getMessage());
  }

  @Test
  void connect_refusesAVersionTritonDoesNotServe() {
    TritonStartupException e =
        assertThrows(
            TritonStartupException.class,
            () ->
                TritonBackend.connect(
                    TritonConfig.forTarget(triton.target()).withModels("", "7"), MODELS));
    assertTrue(e.getMessage().contains("in version 7"), e.getMessage());
  }

  @Test
  void connect_refusesATensorShapeThatDiffersFromTheManifest() {
    // the embedding axis, since the text encoder's sequence axis is dynamic (-1 accepts any size)
    EncoderSpec text = PACK.manifest().text().orElseThrow().encoder();
    TensorSpec embeds = text.outputs().get(0);
    List<TensorSpec> outputs = new ArrayList<>(text.outputs());
    outputs.set(
        0, new TensorSpec(embeds.name(), embeds.dtype(), List.of(-1L, embeds.shape().get(1) + 1)));
    BackendModel wrong = new BackendModel(TEXT, Path.of("unused"), text.inputs(), outputs);
    TritonStartupException e =
        assertThrows(
            TritonStartupException.class,
            () -> TritonBackend.connect(TritonConfig.forTarget(triton.target()), List.of(wrong)));
    assertTrue(
        e.getMessage().contains("output '" + embeds.name() + "': Triton's shape"), e.getMessage());
  }

  @Test
  void tritonDown_makesTheBackendNotReadyAndCallsFailAsUnavailable() throws Exception {
    TritonBackend impatient =
        TritonBackend.connect(
            TritonConfig.forTarget(triton.target())
                .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(1)),
            MODELS);
    try {
      assertTrue(impatient.isReady());
      triton.stop();
      assertFalse(impatient.isReady());
      Map<String, Tensor> inputs = goldenTextInputs();
      assertThrows(BackendUnavailableException.class, () -> impatient.infer(TEXT, inputs));
    } finally {
      impatient.close();
      triton.start();
    }
  }

  @Test
  void tritonRestartDuringLoad_isAbsorbedByRetries() throws Exception {
    Map<String, Tensor> inputs = goldenTextInputs();
    TritonBackend patient =
        TritonBackend.connect(
            TritonConfig.forTarget(triton.target())
                .withTimeouts(
                    Duration.ofSeconds(120), Duration.ofSeconds(5), Duration.ofSeconds(1)),
            MODELS);
    ExecutorService callers = Executors.newFixedThreadPool(2);
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    CountDownLatch calledBeforeRestart = new CountDownLatch(2);
    CountDownLatch restarted = new CountDownLatch(1);
    CountDownLatch calledAfterRestart = new CountDownLatch(2);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        running.add(
            callers.submit(
                () -> {
                  boolean countedAfter = false;
                  while (!done.get()) {
                    try {
                      patient.infer(TEXT, inputs);
                    } catch (RuntimeException e) {
                      failures.add(e);
                      return;
                    }
                    calledBeforeRestart.countDown();
                    if (restarted.getCount() == 0 && !countedAfter) {
                      countedAfter = true;
                      calledAfterRestart.countDown();
                    }
                  }
                }));
      }
      assertTrue(calledBeforeRestart.await(60, TimeUnit.SECONDS));
      triton.stop();
      triton.start();
      restarted.countDown();
      assertTrue(
          calledAfterRestart.await(150, TimeUnit.SECONDS) || !failures.isEmpty(),
          "callers made no call after the restart");
      done.set(true);
      for (Future<?> f : running) {
        f.get(150, TimeUnit.SECONDS);
      }
      assertEquals(List.of(), new ArrayList<>(failures));
    } finally {
      done.set(true);
      callers.shutdownNow();
      patient.close();
    }
  }

  private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    double worst = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      double d = Math.abs(expected[i] - actual[i]);
      if (d > worst) {
        worst = d;
        at = i;
      }
    }
    System.out.printf("%s: max |difference| %.3g (tolerance %.0e)%n", what, worst, tolerance);
    assertTrue(worst <= tolerance, what + "[" + at + "] differs by " + worst + " > " + tolerance);
  }
}
