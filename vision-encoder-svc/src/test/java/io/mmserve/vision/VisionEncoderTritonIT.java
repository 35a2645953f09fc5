package io.mmserve.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.api.v1.Image;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ServiceProcess;
import io.mmserve.triton.TritonBackend;
import io.mmserve.triton.TritonConfig;
import io.mmserve.triton.TritonServerProcess;
import io.mmserve.vision.encoder.ImageEncoder;
import io.mmserve.vision.encoder.ImageEncoding;
import io.mmserve.vision.encoder.ImageInput;
import io.mmserve.vision.encoder.ImageLimits;
import io.mmserve.vision.encoder.ImageRequest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Triton mode against a real Triton (triton/serve.py): the encoder gives the embedded mode's
 * answers and passes the golden files; the service jar with {@code backend=triton} serves them and
 * its health follows Triton's readiness.
 */
class VisionEncoderTritonIT {
  /** The bound between Triton mode and embedded mode. */
  private static final double PARITY_TOLERANCE = 1e-5;

  private static final double EMBEDDING_TOLERANCE = 1e-4;

  /** How long health may lag Triton's readiness (it polls it every 500 ms). */
  private static final Duration HEALTH_LAG = Duration.ofSeconds(10);

  private static final long CALL_SECONDS = 120;

  private static TritonServerProcess triton;
  private static ModelRegistry registry;

  @BeforeAll
  static void startTriton() throws Exception {
    registry = new ModelRegistry(List.of(ModelPack.load(ReferencePack.dir())));
    triton = new TritonServerProcess(ReferencePack.dir(), List.of()).start();
  }

  @AfterAll
  static void stopTriton() throws InterruptedException {
    if (triton != null) {
      triton.stop();
    }
  }

  @Test
  void encoder_inTritonModeGivesTheEmbeddedAnswersAndMatchesTheGoldenFiles() {
    List<Golden.Image> images = Golden.images();
    ImageRequest request =
        new ImageRequest(
            "", images.stream().map(i -> ImageInput.encoded(i.bytes())).toList(), true, false);
    ImageEncoding viaTriton;
    ImageEncoding embedded;
    try (TritonBackend backend =
        TritonBackend.connect(
            TritonConfig.forTarget(triton.target()),
            ImageEncoder.backendModels(registry, ModelPrecision.FP32))) {
      viaTriton = encode(backend, request);
    }
    try (OnnxRuntimeBackend backend =
        OnnxRuntimeBackend.open(
            OnnxRuntimeConfig.defaults(),
            ImageEncoder.backendModels(registry, ModelPrecision.FP32))) {
      embedded = encode(backend, request);
    }
    assertMaxDiff(
        embedded.embeddings().toFloatArray(),
        viaTriton.embeddings().toFloatArray(),
        PARITY_TOLERANCE,
        "image_embeds, triton vs embedded");
    assertMaxDiff(
        embedded.patchFeatures().orElseThrow().toFloatArray(),
        viaTriton.patchFeatures().orElseThrow().toFloatArray(),
        PARITY_TOLERANCE,
        "patch_features, triton vs embedded");
    float[] actual = viaTriton.embeddings().toFloatArray();
    int width = actual.length / images.size();
    float[] expected = new float[actual.length];
    for (int i = 0; i < images.size(); i++) {
      float[] row = ReferencePack.array("image_embeds").floatRow(images.get(i).index());
      System.arraycopy(row, 0, expected, i * width, width);
    }
    assertMaxDiff(expected, actual, EMBEDDING_TOLERANCE, "image_embeds, triton vs golden");
  }

  @Test
  void server_inTritonModeServesGoldenEmbeddingsAndIsNotServingWhileTritonIsDown()
      throws Exception {
    try (ServiceProcess service =
        ServiceProcess.start(
            "vision-encoder-svc",
            "vision-encoder-svc-triton",
            "--backend=triton",
            "--triton.target=" + triton.target(),
            "--triton.request-timeout=120s")) {
      Golden.Image jpeg = Golden.image(".jpg");
      EncodeImageResponse response = encode(service, jpeg);
      float[] expected = ReferencePack.array("image_embeds").floatRow(jpeg.index());
      float[] actual = Responses.floats(response.getEmbeddings());
      assertArrayEquals(expected, actual, (float) EMBEDDING_TOLERANCE);
      assertEquals(ServingStatus.SERVING, service.health());

      triton.stop();
      // health follows Triton's readiness by polling it (every 500 ms), so it may lag the stop
      assertEquals(
          ServingStatus.NOT_SERVING, service.awaitHealth(ServingStatus.NOT_SERVING, HEALTH_LAG));

      triton.start();
      encode(service, jpeg); // the service's retries find the restarted Triton
      // health follows Triton's readiness by polling it (every 500 ms), so it may lag a call
      assertEquals(ServingStatus.SERVING, service.awaitHealth(ServingStatus.SERVING, HEALTH_LAG));
    } finally {
      if (!triton.isRunning()) {
        triton.start(); // the other test needs it
      }
    }
  }

  private static EncodeImageResponse encode(ServiceProcess service, Golden.Image image) {
    return VisionEncoderGrpc.newBlockingStub(service.channel())
        .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
        .encodeImage(
            EncodeImageRequest.newBuilder()
                .addImages(Image.newBuilder().setEncoded(ByteString.copyFrom(image.bytes())))
                .build());
  }

  private static ImageEncoding encode(InferenceBackend backend, ImageRequest request) {
    try (ImageEncoder encoder =
        new ImageEncoder(
            registry,
            backend,
            ImageLimits.defaults(),
            BatchingSettings.ofItems(32, Duration.ofMillis(2), 1024, 1),
            2,
            new SimpleMeterRegistry())) {
      return encoder.encode(request, () -> false).join();
    }
  }

  private static void assertMaxDiff(
      float[] expected, float[] actual, double tolerance, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    }
    System.out.printf(
        Locale.ROOT, "%s: max |difference| %.3g (tolerance %.0e)%n", what, worst, tolerance);
    assertTrue(worst <= tolerance, what + ": max difference " + worst + " > " + tolerance);
  }
}
