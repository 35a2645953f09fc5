package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ScoreRequest;
import io.mmserve.api.v1.ScoreResponse;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Score through the in-process gateway, fake encoders and fake fusion-svc. */
class ScoreCallTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 4, 3, 2, 3, 2);

  private InProcessGateway stack;

  @BeforeEach
  void start() throws IOException {
    stack = new InProcessGateway(LIMITS, 100);
    stack.visionEncoder.vectors.put("img", new float[] {1, 0, 0});
    stack.textEncoder.vectors.put("x", new float[] {1, 1, 0});
    stack.textEncoder.vectors.put("y", new float[] {0, 0, 1});
  }

  @AfterEach
  void stop() {
    stack.close();
  }

  private static Embedding embedding(float... values) {
    Embedding.Builder e = Embedding.newBuilder();
    for (float v : values) {
      e.addValues(v);
    }
    return e.build();
  }

  private static Image image(String key) {
    return Image.newBuilder().setEncoded(ByteString.copyFromUtf8(key)).build();
  }

  @Test
  void score_imagesAndTexts_answersBothMatricesAndTheLogitScale() {
    ScoreResponse response =
        stack
            .client()
            .score(
                ScoreRequest.newBuilder()
                    .addImages(image("img"))
                    .addTexts("x")
                    .addTexts("y")
                    .setRequestId("s")
                    .build());

    assertEquals(1, response.getLogitsPerImage().getRows());
    assertEquals(2, response.getLogitsPerImage().getCols());
    assertEquals(10 / Math.sqrt(2), response.getLogitsPerImage().getValues(0), 1e-5);
    assertEquals(0f, response.getLogitsPerImage().getValues(1), 1e-6);
    assertEquals(2, response.getLogitsPerText().getRows());
    assertEquals(1, response.getLogitsPerText().getCols());
    assertEquals(10 / Math.sqrt(2), response.getLogitsPerText().getValues(0), 1e-5);
    assertEquals(FakeFusion.LOGIT_SCALE, response.getLogitScale());
    assertEquals("s", response.getRequestId());
    assertEquals(FakeVisionEncoder.VERSION, response.getModelVersion());
  }

  @Test
  void score_givenEmbeddingsOnBothSides_callsNoEncoder() {
    ScoreResponse response =
        stack
            .client()
            .score(
                ScoreRequest.newBuilder()
                    .addImageEmbeddings(embedding(1, 0))
                    .addTextEmbeddings(embedding(0, 1))
                    .addTextEmbeddings(embedding(2, 0))
                    .build());

    assertEquals(0, stack.textEncoder.calls + stack.visionEncoder.calls);
    assertEquals(0f, response.getLogitsPerImage().getValues(0), 1e-6);
    assertEquals(10f, response.getLogitsPerImage().getValues(1), 1e-5);
    assertEquals(FakeFusion.VERSION, response.getModelVersion());
  }

  @Test
  void score_givenEmbeddings_sendsThemToFusionL2Normalised() {
    stack
        .client()
        .score(
            ScoreRequest.newBuilder()
                .addImageEmbeddings(embedding(3, 4))
                .addTextEmbeddings(embedding(0, -2))
                .addTextEmbeddings(embedding(0, 0))
                .build());

    assertArrayEquals(
        new float[] {0.6f, 0.8f},
        FakeFusion.floats(stack.fusion.lastScore.getImageEmbeddings()),
        1e-7f);
    assertArrayEquals(
        new float[] {0, -1, 0, 0}, FakeFusion.floats(stack.fusion.lastScore.getTextEmbeddings()));
  }

  @Test
  void score_givenTextEmbeddingsAndImages_checksTheSizeAgainstTheModel() {
    ScoreRequest request =
        ScoreRequest.newBuilder()
            .addImages(image("img"))
            .addTextEmbeddings(embedding(1, 0))
            .build();

    assertInvalid(
        request,
        "text_embeddings[0]: 2 values, but model fake-clip@0.0.7 embeds into 3 dimensions");
  }

  @Test
  void score_passesCallersDeadlineToFusion() {
    stack
        .client()
        .withDeadlineAfter(2, TimeUnit.MINUTES)
        .score(
            ScoreRequest.newBuilder()
                .addImageEmbeddings(embedding(1, 0))
                .addTextEmbeddings(embedding(0, 1))
                .build());

    assertTrue(stack.fusion.lastDeadline.timeRemaining(TimeUnit.MINUTES) < 2);
  }

  @Test
  void score_embeddingsOfDifferentSizes_isInvalidArgumentNamingBoth() {
    assertInvalid(
        ScoreRequest.newBuilder()
            .addImageEmbeddings(embedding(1, 0))
            .addTextEmbeddings(embedding(1, 0, 0))
            .build(),
        "text_embeddings[0]: 3 values, but image_embeddings[0] has 2; all embeddings must have the"
            + " same size");
  }

  @Test
  void score_nanInAnEmbedding_isInvalidArgumentNamingTheValue() {
    assertInvalid(
        ScoreRequest.newBuilder()
            .addImageEmbeddings(embedding(1, 0))
            .addImageEmbeddings(embedding(0, Float.NaN))
            .addTextEmbeddings(embedding(1, 0))
            .build(),
        "image_embeddings[1].values[1]: NaN is not a finite number");
  }

  @Test
  void score_infinityInAnEmbedding_isInvalidArgument() {
    assertInvalid(
        ScoreRequest.newBuilder()
            .addImageEmbeddings(embedding(1, 0))
            .addTextEmbeddings(embedding(Float.NEGATIVE_INFINITY, 0))
            .build(),
        "text_embeddings[0].values[0]: -Infinity is not a finite number");
  }

  @Test
  void score_bothFormsOfASide_isInvalidArgument() {
    assertInvalid(
        ScoreRequest.newBuilder()
            .addImageEmbeddings(embedding(1, 0))
            .addImages(image("img"))
            .addTexts("x")
            .build(),
        "image_embeddings, images: give exactly one of them, but both were given");
  }

  @Test
  void score_neitherFormOfASide_isInvalidArgument() {
    assertInvalid(
        ScoreRequest.newBuilder().addImages(image("img")).build(),
        "text_embeddings, texts: give exactly one of them, but neither was given");
  }

  @Test
  void score_moreEmbeddingsThanTheLimit_isInvalidArgumentNamingTheLimit() {
    assertInvalid(
        ScoreRequest.newBuilder()
            .addImageEmbeddings(embedding(1))
            .addTextEmbeddings(embedding(1))
            .addTextEmbeddings(embedding(1))
            .addTextEmbeddings(embedding(1))
            .build(),
        "text_embeddings: 3 embeddings exceed the limit of 2 per request"
            + " (limits.max-embeddings)");
  }

  @Test
  void score_emptyEmbedding_isInvalidArgument() {
    assertInvalid(
        ScoreRequest.newBuilder()
            .addImageEmbeddings(Embedding.getDefaultInstance())
            .addTextEmbeddings(embedding(1))
            .build(),
        "image_embeddings[0]: the embedding has no values");
  }

  private void assertInvalid(ScoreRequest request, String description) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> stack.client().score(request));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(description, e.getStatus().getDescription());
    assertEquals(0, stack.fusion.calls);
  }
}
