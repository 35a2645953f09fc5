package io.mmserve.text;

import static io.mmserve.text.GoldenAssertions.EMBEDDING_TOLERANCE;
import static io.mmserve.text.GoldenAssertions.assertWithin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.inference.TensorCodec;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.errors.BadRequestDetails;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.tensor.v1.DataType;
import io.mmserve.tensor.v1.Tensor;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.text.encoder.TextEncoder;
import io.mmserve.text.encoder.TextLimits;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gRPC service in-process, on the bundled pack. */
class TextEncoderServiceTest {
  private static final int MAX_ITEMS = 12;

  private static ModelPack pack;
  private static OnnxRuntimeBackend backend;
  private static TextEncoder encoder;
  private static GrpcServer server;
  private static ManagedChannel channel;
  private static TextEncoderGrpc.TextEncoderBlockingStub stub;
  private static List<String> captions;

  @BeforeAll
  static void start() throws Exception {
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
            new TextLimits(MAX_ITEMS, 1000),
            new SimpleMeterRegistry());
    String name = InProcessServerBuilder.generateName();
    server =
        new GrpcServer(
                InProcessServerBuilder.forName(name).directExecutor(),
                List.of(new TextEncoderService(encoder)),
                new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 16 << 20, Duration.ofSeconds(1)),
                new SimpleMeterRegistry())
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    stub = TextEncoderGrpc.newBlockingStub(channel);
    captions = ReferencePack.captions();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.stop();
    encoder.close();
    backend.close();
  }

  @Test
  void encodeText_emptyRequestIsInvalidArgument() {
    StatusRuntimeException e = call(EncodeTextRequest.getDefaultInstance());

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("texts: must contain at least one text", e.getStatus().getDescription());
  }

  @Test
  void encodeText_tooManyTextsIsResourceExhaustedNamingTheLimit() {
    EncodeTextRequest request =
        EncodeTextRequest.newBuilder().addAllTexts(Collections.nCopies(MAX_ITEMS + 1, "a")).build();

    StatusRuntimeException e = call(request);

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("limit of " + MAX_ITEMS),
        e.getStatus().getDescription());
  }

  @Test
  void encodeText_unknownModelIsInvalidArgumentListingTheServedModels() {
    StatusRuntimeException e =
        call(EncodeTextRequest.newBuilder().setModel("no-such-model").addTexts("a").build());

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String description = e.getStatus().getDescription();
    assertTrue(description.contains("'no-such-model'"), description);
    assertTrue(description.contains(pack.manifest().id()), description);
  }

  @Test
  void encodeText_tooLongTextIsResourceExhaustedNamingItsIndex() {
    EncodeTextRequest request =
        EncodeTextRequest.newBuilder().addTexts("a").addTexts("x".repeat(1001)).build();

    StatusRuntimeException e = call(request);

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().startsWith("texts[1]: "), e.getStatus().getDescription());
    List<FieldViolation> details = BadRequestDetails.of(e);
    assertEquals(1, details.size(), details::toString);
    assertEquals("texts[1]", details.get(0).path());
  }

  @Test
  void encodeText_answersEmbeddingsTruncationAndTokenCounts() {
    EncodeTextResponse response =
        stub.encodeText(EncodeTextRequest.newBuilder().addAllTexts(captions).build());

    assertEquals(pack.name(), response.getModel());
    assertEquals(pack.version(), response.getModelVersion());
    Npy.Array expected = ReferencePack.array("text_embeds");
    assertEquals(DataType.FLOAT32, response.getEmbeddings().getDtype());
    assertArrayEquals(expected.shape(), shape(response.getEmbeddings()));
    assertWithin(
        EMBEDDING_TOLERANCE, expected.floats(), floats(response.getEmbeddings()), "embeddings");
    Npy.Array truncated = ReferencePack.array("truncated");
    for (int i = 0; i < captions.size(); i++) {
      assertEquals(truncated.longs()[i] != 0, response.getTruncated(i), "truncated " + i);
      long count = 0;
      for (long m : ReferencePack.array("attention_mask").longRow(i)) {
        count += m;
      }
      assertEquals(count, response.getTokenCounts(i), "token count " + i);
    }
    assertFalse(response.hasTokenFeatures());
    assertFalse(response.hasAttentionMask());
  }

  @Test
  void encodeText_includeFeaturesAnswersTokenFeaturesAndMasks() {
    EncodeTextResponse response =
        stub.encodeText(
            EncodeTextRequest.newBuilder()
                .setModel(pack.manifest().id())
                .addAllTexts(captions)
                .setIncludeFeatures(true)
                .setNormalize(true)
                .build());

    Npy.Array features = ReferencePack.array("token_features");
    Npy.Array masks = ReferencePack.array("attention_mask");
    assertArrayEquals(features.shape(), shape(response.getTokenFeatures()));
    assertWithin(
        EMBEDDING_TOLERANCE,
        GoldenAssertions.realTokens(features.floats(), masks.longs()),
        GoldenAssertions.realTokens(floats(response.getTokenFeatures()), masks.longs()),
        "token_features");
    assertEquals(DataType.INT64, response.getAttentionMask().getDtype());
    assertArrayEquals(masks.shape(), shape(response.getAttentionMask()));
    long[] mask = TensorCodec.decode("attention_mask", response.getAttentionMask()).toLongArray();
    assertArrayEquals(masks.longs(), mask);
  }

  private static StatusRuntimeException call(EncodeTextRequest request) {
    return assertThrows(StatusRuntimeException.class, () -> stub.encodeText(request));
  }

  private static long[] shape(Tensor tensor) {
    return tensor.getShapeList().stream().mapToLong(Long::longValue).toArray();
  }

  static float[] floats(Tensor tensor) {
    return TensorCodec.decode("tensor", tensor).toFloatArray();
  }
}
