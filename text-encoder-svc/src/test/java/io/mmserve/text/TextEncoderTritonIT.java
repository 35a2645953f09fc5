package io.mmserve.text;

import static io.mmserve.text.GoldenAssertions.EMBEDDING_TOLERANCE;
import static io.mmserve.text.GoldenAssertions.assertWithin;
import static io.mmserve.text.GoldenAssertions.realTokens;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ServiceProcess;
import io.mmserve.text.encoder.TextEncoder;
import io.mmserve.text.encoder.TextEncoding;
import io.mmserve.text.encoder.TextLimits;
import io.mmserve.text.encoder.TextRequest;
import io.mmserve.triton.TritonBackend;
import io.mmserve.triton.TritonConfig;
import io.mmserve.triton.TritonServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Triton mode against a real Triton (triton/serve.py): the encoder gives the embedded mode's
 * answers and passes the golden files; the service jar with {@code backend=triton} serves them and
 * its health follows Triton's readiness.
 */
class TextEncoderTritonIT {
  /** The bound between Triton mode and embedded mode. */
  private static final double PARITY_TOLERANCE = 1e-5;

  /** How long health may lag Triton's readiness (it polls it every 500 ms). */
  private static final Duration HEALTH_LAG = Duration.ofSeconds(10);

  private static final long CALL_SECONDS = 60;
  private static TritonServerProcess triton;
  private static ModelRegistry registry;

  @BeforeAll
  static void startTriton() throws IOException, InterruptedException {
    registry = ModelRegistry.load(List.of(ReferencePack.dir()));
    triton = new TritonServerProcess(ReferencePack.dir(), List.of()).start();
  }

  @AfterAll
  static void stopTriton() throws InterruptedException {
    if (triton != null) {
      triton.stop();
    }
  }

  @Test
  void encoder_inTritonModeGivesTheEmbeddedAnswersAndMatchesTheGoldenFiles() throws Exception {
    List<String> captions = ReferencePack.captions();
    TextRequest request = new TextRequest("", captions, true, false);
    TextEncoding viaTriton;
    TextEncoding embedded;
    try (TritonBackend backend =
        TritonBackend.connect(
            TritonConfig.forTarget(triton.target()),
            TextEncoder.backendModels(registry, ModelPrecision.FP32))) {
      viaTriton = encode(backend, request);
    }
    try (OnnxRuntimeBackend backend =
        OnnxRuntimeBackend.open(
            new OnnxRuntimeConfig(1, 1, OnnxRuntimeConfig.Optimization.ALL),
            TextEncoder.backendModels(registry, ModelPrecision.FP32))) {
      embedded = encode(backend, request);
    }
    assertWithin(
        PARITY_TOLERANCE,
        embedded.embeddings().toFloatArray(),
        viaTriton.embeddings().toFloatArray(),
        "text_embeds, triton vs embedded");
    // the real tokens only: past a batch's padded length the features are zero, and which texts
    // share a batch (so that length) depends on when the batcher's timer fires
    long[] mask = embedded.attentionMask().orElseThrow().toLongArray();
    assertWithin(
        PARITY_TOLERANCE,
        realTokens(embedded.tokenFeatures().orElseThrow().toFloatArray(), mask),
        realTokens(viaTriton.tokenFeatures().orElseThrow().toFloatArray(), mask),
        "token_features of real tokens, triton vs embedded");
    assertWithin(
        EMBEDDING_TOLERANCE,
        ReferencePack.array("text_embeds").floats(),
        viaTriton.embeddings().toFloatArray(),
        "text_embeds, triton vs golden");
    assertEquals(embedded.tokenCounts(), viaTriton.tokenCounts());
  }

  @Test
  void server_inTritonModeServesGoldenEmbeddingsAndIsNotServingWhileTritonIsDown()
      throws Exception {
    Path cache = Path.of("target", "djl-cache-it").toAbsolutePath();
    try (ServiceProcess service =
        ServiceProcess.start(
            "text-encoder-svc",
            "text-encoder-svc-triton",
            "--model.packs=" + ReferencePack.dir(),
            "--djl.cache-dir=" + cache,
            "--backend=triton",
            "--triton.target=" + triton.target(),
            "--triton.request-timeout=120s")) {
      EncodeTextRequest request =
          EncodeTextRequest.newBuilder().addAllTexts(ReferencePack.captions()).build();
      EncodeTextResponse response =
          TextEncoderGrpc.newBlockingStub(service.channel())
              .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
              .encodeText(request);
      assertWithin(
          EMBEDDING_TOLERANCE,
          ReferencePack.array("text_embeds").floats(),
          TextEncoderServiceTest.floats(response.getEmbeddings()),
          "text_embeds via the service in triton mode");
      assertEquals(ServingStatus.SERVING, service.health());

      triton.stop();
      // health follows Triton's readiness by polling it (every 500 ms), so it may lag the stop
      assertEquals(
          ServingStatus.NOT_SERVING, service.awaitHealth(ServingStatus.NOT_SERVING, HEALTH_LAG));

      triton.start();
      // the service's retries find the restarted Triton; then health follows
      TextEncoderGrpc.newBlockingStub(service.channel())
          .withDeadlineAfter(CALL_SECONDS * 2, TimeUnit.SECONDS)
          .encodeText(request);
      // health follows Triton's readiness by polling it (every 500 ms), so it may lag a call
      assertEquals(ServingStatus.SERVING, service.awaitHealth(ServingStatus.SERVING, HEALTH_LAG));
    } finally {
      if (!triton.isRunning()) {
        triton.start(); // the other test needs it
      }
    }
  }

  private static TextEncoding encode(
      io.mmserve.inference.InferenceBackend backend, TextRequest request) throws Exception {
    try (TextEncoder encoder =
        new TextEncoder(
            registry,
            backend,
            BatchingSettings.ofItems(32, Duration.ofMillis(2), 1024, 1),
            new TextLimits(256, 300),
            new SimpleMeterRegistry())) {
      return encoder.encode(request, () -> false).get(CALL_SECONDS, TimeUnit.SECONDS);
    }
  }
}
