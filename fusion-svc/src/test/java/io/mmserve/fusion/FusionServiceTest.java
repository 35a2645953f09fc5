package io.mmserve.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.fusion.model.FusionEngine;
import io.mmserve.fusion.model.FusionLimits;
import io.mmserve.fusion.v1.ClassifyEmbeddingsRequest;
import io.mmserve.fusion.v1.ClassifyEmbeddingsResponse;
import io.mmserve.fusion.v1.FusionGrpc;
import io.mmserve.fusion.v1.MatchFeaturesRequest;
import io.mmserve.fusion.v1.MatchFeaturesResponse;
import io.mmserve.fusion.v1.ScoreEmbeddingsRequest;
import io.mmserve.fusion.v1.ScoreEmbeddingsResponse;
import io.mmserve.inference.DType;
import io.mmserve.inference.TensorCodec;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.tensor.v1.Tensor;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gRPC service in-process, on the bundled pack. */
class FusionServiceTest {
  private static final int MAX_LABELS = 12;
  private static final int MAX_PAIRS = 20;

  private static FusionEngine engine;
  private static GrpcServer server;
  private static ManagedChannel channel;
  private static FusionGrpc.FusionBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    engine =
        new FusionEngine(
            ModelRegistry.load(List.of(ReferencePack.dir())),
            new FusionLimits(MAX_LABELS, MAX_PAIRS, 1_000),
            2);
    String name = InProcessServerBuilder.generateName();
    server =
        new GrpcServer(
                InProcessServerBuilder.forName(name).directExecutor(),
                List.of(new FusionService(engine)),
                new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 16 << 20, Duration.ofSeconds(1)),
                new SimpleMeterRegistry())
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    stub = FusionGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    engine.close();
  }

  static Tensor floats(float[] values, long... shape) {
    return TensorCodec.encodeFloats(values, shape);
  }

  static Tensor longs(long[] values, long... shape) {
    return TensorCodec.encode(io.mmserve.inference.Tensor.ofLongs(values, shape));
  }

  static Tensor tensor(Npy.Array a) {
    return a.dtype().contains("i8") ? longs(a.longs(), a.shape()) : floats(a.floats(), a.shape());
  }

  static float[] values(Tensor t) {
    return TensorCodec.decode("t", t).toFloatArray();
  }

  /** Image {@code image} against every reference caption. */
  static MatchFeaturesRequest.Builder matchImageAgainstCaptions(int image) {
    Npy.Array tokens = ReferencePack.array("token_features");
    Npy.Array patches = ReferencePack.array("patch_features");
    int captions = (int) tokens.shape()[0];
    int patchValues = (int) (patches.shape()[1] * patches.shape()[2]);
    float[] repeated = new float[captions * patchValues];
    for (int c = 0; c < captions; c++) {
      System.arraycopy(
          patches.floats(), image * patchValues, repeated, c * patchValues, patchValues);
    }
    return MatchFeaturesRequest.newBuilder()
        .setTokenFeatures(tensor(tokens))
        .setAttentionMask(tensor(ReferencePack.array("attention_mask")))
        .setPatchFeatures(floats(repeated, captions, patches.shape()[1], patches.shape()[2]));
  }

  private static ScoreEmbeddingsRequest.Builder score() {
    return ScoreEmbeddingsRequest.newBuilder()
        .setImageEmbeddings(tensor(ReferencePack.array("image_embeds")))
        .setTextEmbeddings(tensor(ReferencePack.array("text_embeds")));
  }

  private static void assertInvalid(Runnable call, String messagePart) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
    assertTrue(
        e.getStatus().getDescription().contains(messagePart), e.getStatus().getDescription());
  }

  @Test
  void score_returnsReferenceLogitsBothWays() {
    ScoreEmbeddingsResponse r = stub.scoreEmbeddings(score().build());
    float[] expected = ReferencePack.array("logits_per_image").floats();
    float[] actual = values(r.getLogitsPerImage());
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])));
    }
    assertEquals(
        ReferencePack.array("logits_per_image").shape()[0], r.getLogitsPerText().getShape(1));
    assertEquals("shapes-clip", r.getModel());
    assertTrue(r.getLogitScale() > 0);
  }

  @Test
  void classify_returnsSoftmaxOverLabelsPerImage() {
    ClassifyEmbeddingsResponse r =
        stub.classifyEmbeddings(
            ClassifyEmbeddingsRequest.newBuilder()
                .setImageEmbeddings(tensor(ReferencePack.array("image_embeds")))
                .setLabelEmbeddings(tensor(ReferencePack.array("text_embeds")))
                .build());
    float[] expected = ReferencePack.array("softmax_per_image").floats();
    float[] actual = values(r.getProbabilities());
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5, "probability " + i);
    }
  }

  @Test
  void match_returnsReferenceProbabilities() {
    int image = 2;
    MatchFeaturesResponse r = stub.matchFeatures(matchImageAgainstCaptions(image).build());
    Npy.Array golden = ReferencePack.array("match_probability");
    int captions = (int) golden.shape()[1];
    float[] expected =
        Arrays.copyOfRange(golden.floats(), image * captions, (image + 1) * captions);
    float[] actual = values(r.getProbabilities());
    assertEquals(captions, actual.length);
    for (int c = 0; c < captions; c++) {
      assertEquals(expected[c], actual[c], 1e-4, "caption " + c);
    }
    assertEquals(captions, values(r.getLogits()).length);
  }

  @Test
  void score_rejectsEmbeddingsOfDifferentSizes() {
    assertInvalid(
        () -> stub.scoreEmbeddings(score().setTextEmbeddings(floats(new float[6], 2, 3)).build()),
        "embeddings must have the same size");
  }

  @Test
  void score_rejectsEmbeddingsOfAnotherWidthThanTheModel() {
    assertInvalid(
        () ->
            stub.scoreEmbeddings(
                ScoreEmbeddingsRequest.newBuilder()
                    .setImageEmbeddings(floats(new float[] {1, 0, 0}, 1, 3))
                    .setTextEmbeddings(floats(new float[] {0, 1, 0}, 1, 3))
                    .build()),
        "has embeddings of");
  }

  @Test
  void score_rejectsNanEmbedding() {
    float[] nan = ReferencePack.array("text_embeds").floats();
    nan[70] = Float.NaN;
    assertInvalid(
        () ->
            stub.scoreEmbeddings(
                score()
                    .setTextEmbeddings(floats(nan, ReferencePack.array("text_embeds").shape()))
                    .build()),
        "text_embeddings[1][6] is NaN");
  }

  @Test
  void score_rejectsInfiniteEmbedding() {
    float[] inf = ReferencePack.array("image_embeds").floats();
    inf[0] = Float.POSITIVE_INFINITY;
    assertInvalid(
        () ->
            stub.scoreEmbeddings(
                score()
                    .setImageEmbeddings(floats(inf, ReferencePack.array("image_embeds").shape()))
                    .build()),
        "values must be finite");
  }

  @Test
  void score_rejectsEmbeddingsThatAreNotNormalised() {
    float[] doubled = ReferencePack.array("text_embeds").floats();
    int dim = (int) ReferencePack.array("text_embeds").shape()[1];
    for (int i = dim; i < 2 * dim; i++) {
      doubled[i] *= 2;
    }
    assertInvalid(
        () ->
            stub.scoreEmbeddings(
                score()
                    .setTextEmbeddings(floats(doubled, ReferencePack.array("text_embeds").shape()))
                    .build()),
        "text_embeddings[1]: has length 2.0; embeddings must be L2-normalised");
  }

  @Test
  void score_givesZeroLogitsForAZeroEmbedding() {
    float[] texts = ReferencePack.array("text_embeds").floats();
    long[] shape = ReferencePack.array("text_embeds").shape();
    int dim = (int) shape[1];
    Arrays.fill(texts, dim, 2 * dim, 0f);

    ScoreEmbeddingsResponse r =
        stub.scoreEmbeddings(score().setTextEmbeddings(floats(texts, shape)).build());

    float[] perImage = values(r.getLogitsPerImage());
    int images = (int) ReferencePack.array("image_embeds").shape()[0];
    for (int i = 0; i < images; i++) {
      assertEquals(0f, perImage[i * (int) shape[0] + 1], "image " + i + ", text 1");
    }
  }

  @Test
  void score_rejectsMissingTensor() {
    assertInvalid(
        () -> stub.scoreEmbeddings(score().clearTextEmbeddings().build()),
        "text_embeddings is required");
  }

  @Test
  void score_rejectsWrongDtype() {
    assertInvalid(
        () -> stub.scoreEmbeddings(score().setTextEmbeddings(longs(new long[2], 1, 2)).build()),
        "must have dtype FLOAT32");
  }

  @Test
  void score_rejectsDataOfTheWrongLength() {
    Tensor shortData = floats(new float[3], 1, 3).toBuilder().setShape(1, 4).build();
    assertInvalid(
        () -> stub.scoreEmbeddings(score().setTextEmbeddings(shortData).build()),
        "text_embeddings: shape [1, 4] needs 16 bytes of FLOAT32, but its data holds 12 bytes");
  }

  @Test
  void score_rejectsUnknownModel() {
    assertInvalid(
        () -> stub.scoreEmbeddings(score().setModel("nope").build()), "unknown model 'nope'");
  }

  @Test
  void classify_rejectsEmptyLabels() {
    assertInvalid(
        () ->
            stub.classifyEmbeddings(
                ClassifyEmbeddingsRequest.newBuilder()
                    .setImageEmbeddings(tensor(ReferencePack.array("image_embeds")))
                    .setLabelEmbeddings(floats(new float[0], 0, 64))
                    .build()),
        "label_embeddings is empty");
  }

  @Test
  void classify_rejectsMoreLabelsThanTheLimit() {
    assertInvalid(
        () ->
            stub.classifyEmbeddings(
                ClassifyEmbeddingsRequest.newBuilder()
                    .setImageEmbeddings(tensor(ReferencePack.array("image_embeds")))
                    .setLabelEmbeddings(oneHotRows(MAX_LABELS + 1))
                    .build()),
        "13 labels exceed the limit of 12");
  }

  private static Tensor oneHotRows(int rows) {
    int dim = (int) ReferencePack.array("image_embeds").shape()[1];
    float[] v = new float[rows * dim];
    for (int r = 0; r < rows; r++) {
      v[r * dim + r % dim] = 1;
    }
    return floats(v, rows, dim);
  }

  @Test
  void match_rejectsMaskOfTheWrongShape() {
    assertInvalid(
        () ->
            stub.matchFeatures(
                matchImageAgainstCaptions(0).setAttentionMask(longs(new long[10], 10, 1)).build()),
        "attention_mask has shape [10, 1]");
  }

  @Test
  void match_rejectsTokenFeaturesOfTheWrongWidth() {
    Npy.Array tokens = ReferencePack.array("token_features");
    long[] shape = tokens.shape();
    assertInvalid(
        () ->
            stub.matchFeatures(
                matchImageAgainstCaptions(0)
                    .setTokenFeatures(
                        floats(new float[(int) (shape[0] * shape[1] * 4)], shape[0], shape[1], 4))
                    .build()),
        "token_features has shape");
  }

  @Test
  void match_rejectsPairCountsThatDiffer() {
    Npy.Array patches = ReferencePack.array("patch_features");
    assertInvalid(
        () ->
            stub.matchFeatures(
                matchImageAgainstCaptions(0).setPatchFeatures(tensor(patches)).build()),
        "pair counts differ");
  }

  @Test
  void match_rejectsMaskValuesOtherThanZeroAndOne() {
    long[] mask = ReferencePack.array("attention_mask").longs();
    mask[25] = 3;
    assertInvalid(
        () ->
            stub.matchFeatures(
                matchImageAgainstCaptions(0)
                    .setAttentionMask(longs(mask, ReferencePack.array("attention_mask").shape()))
                    .build()),
        "attention_mask[1][1] is 3");
  }

  @Test
  void match_rejectsMorePairsThanTheLimit() {
    MatchFeaturesRequest ten = matchImageAgainstCaptions(0).build();
    MatchFeaturesRequest.Builder thirty = MatchFeaturesRequest.newBuilder();
    thirty.setTokenFeatures(repeat(ten.getTokenFeatures(), 3));
    thirty.setAttentionMask(repeat(ten.getAttentionMask(), 3));
    thirty.setPatchFeatures(repeat(ten.getPatchFeatures(), 3));
    assertInvalid(() -> stub.matchFeatures(thirty.build()), "30 pairs exceed the limit of 20");
  }

  private static Tensor repeat(Tensor t, int times) {
    ByteString data = ByteString.EMPTY;
    for (int i = 0; i < times; i++) {
      data = data.concat(t.getData());
    }
    return t.toBuilder().setShape(0, t.getShape(0) * times).setData(data).build();
  }

  @Test
  void match_givesTheSameAnswerOnOneThreadAndTwo() {
    MatchFeaturesRequest request = matchImageAgainstCaptions(5).build();
    try (FusionEngine single =
        new FusionEngine(
            ModelRegistry.load(List.of(ReferencePack.dir())), FusionLimits.defaults(), 1)) {
      float[] one =
          single
              .match(
                  "",
                  FusionService.floats("token_features", true, request.getTokenFeatures()),
                  FusionService.input(
                      "attention_mask", true, request.getAttentionMask(), DType.INT64),
                  FusionService.floats("patch_features", true, request.getPatchFeatures()))
              .logits();
      assertArrayEquals(one, values(stub.matchFeatures(request).getLogits()));
    }
  }
}
