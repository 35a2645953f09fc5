package io.mmserve.text;

import static io.mmserve.text.GoldenAssertions.EMBEDDING_TOLERANCE;
import static io.mmserve.text.GoldenAssertions.assertWithin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.client.GrpcChannels;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.text.encoder.TextEncoder;
import io.mmserve.text.encoder.TextEncoding;
import io.mmserve.text.encoder.TextLimits;
import io.mmserve.text.encoder.TextRequest;
import io.mmserve.triton.TritonBackend;
import io.mmserve.triton.TritonConfig;
import io.mmserve.triton.TritonServerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
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
    assertWithin(
        PARITY_TOLERANCE,
        embedded.tokenFeatures().orElseThrow().toFloatArray(),
        viaTriton.tokenFeatures().orElseThrow().toFloatArray(),
        "token_features, triton vs embedded");
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
    Path target = Path.of("target").toAbsolutePath();
    Path jar = Path.of(System.getProperty("mmserve.service.jar", "target/text-encoder-svc.jar"));
    assertTrue(Files.isRegularFile(jar), jar + " is missing: run mvn verify (shade runs first)");
    int port = freePort();
    Path log = target.resolve("text-encoder-triton-it.log");
    Process service =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + target.resolve("tmp"),
                "-jar",
                jar.toString(),
                "--grpc.port=" + port,
                "--admin.port=0",
                "--model.packs=" + ReferencePack.dir(),
                "--djl.cache-dir=" + target.resolve("djl-cache-it"),
                "--backend=triton",
                "--triton.target=" + triton.target(),
                "--triton.request-timeout=120s")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    ManagedChannel channel = GrpcChannels.plaintext("127.0.0.1:" + port, 64 << 20);
    try {
      EncodeTextRequest request =
          EncodeTextRequest.newBuilder().addAllTexts(ReferencePack.captions()).build();
      EncodeTextResponse response =
          TextEncoderGrpc.newBlockingStub(channel)
              .withWaitForReady()
              .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
              .encodeText(request);
      assertWithin(
          EMBEDDING_TOLERANCE,
          ReferencePack.array("text_embeds").floats(),
          TextEncoderServiceTest.floats(response.getEmbeddings()),
          "text_embeds via the service in triton mode");
      assertEquals(ServingStatus.SERVING, health(channel));

      triton.stop();
      // health follows Triton's readiness by polling it (every 500 ms), so it may lag the stop
      assertEquals(ServingStatus.NOT_SERVING, awaitHealth(channel, ServingStatus.NOT_SERVING));

      triton.start();
      // the service's retries find the restarted Triton; then health follows
      TextEncoderGrpc.newBlockingStub(channel)
          .withDeadlineAfter(CALL_SECONDS * 2, TimeUnit.SECONDS)
          .encodeText(request);
      // health follows Triton's readiness by polling it (every 500 ms), so it may lag a call
      assertEquals(ServingStatus.SERVING, awaitHealth(channel, ServingStatus.SERVING));
    } finally {
      channel.shutdownNow();
      service.destroy();
      if (!service.waitFor(30, TimeUnit.SECONDS)) {
        service.destroyForcibly();
      }
      if (!triton.isRunning()) {
        triton.start(); // the other test needs it
      }
    }
  }

  /** Health once it is {@code wanted}, or the last answer after 10 s of polling. */
  private static ServingStatus awaitHealth(ManagedChannel channel, ServingStatus wanted)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    ServingStatus now = health(channel);
    while (now != wanted && System.nanoTime() < until) {
      Thread.sleep(100);
      now = health(channel);
    }
    return now;
  }

  private static ServingStatus health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
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

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
