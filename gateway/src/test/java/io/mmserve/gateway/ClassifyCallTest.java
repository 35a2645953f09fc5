package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Classification;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.LabelScore;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Classify through the in-process gateway, fake encoders and fake fusion-svc. */
class ClassifyCallTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 2, 3, 4, 5, 6);

  private InProcessGateway stack;

  @BeforeEach
  void start() throws IOException {
    stack = new InProcessGateway(LIMITS, 100);
    stack.visionEncoder.vectors.put("red-img", new float[] {1, 0, 0});
    stack.visionEncoder.vectors.put("blue-img", new float[] {0, 0, 1});
    stack.textEncoder.vectors.put("a photo of a red", new float[] {1, 0.1f, 0});
    stack.textEncoder.vectors.put("a photo of a green", new float[] {0, 1, 0});
    stack.textEncoder.vectors.put("a photo of a blue", new float[] {0.2f, 0, 1});
    stack.textEncoder.vectors.put("red!", new float[] {1, 0, 0});
  }

  @AfterEach
  void stop() {
    stack.close();
  }

  private static Image image(String key) {
    return Image.newBuilder().setEncoded(ByteString.copyFromUtf8(key)).build();
  }

  private static ClassifyRequest.Builder request(String... labels) {
    return ClassifyRequest.newBuilder()
        .addImages(image("red-img"))
        .addImages(image("blue-img"))
        .addAllLabels(List.of(labels));
  }

  @Test
  void classify_scoresEveryLabelSortedByProbabilityWithSoftmaxOfScaledCosine() {
    ClassifyResponse response =
        stack.client().classify(request("green", "blue", "red").setRequestId("c1").build());

    assertEquals("c1", response.getRequestId());
    assertEquals(FakeVisionEncoder.MODEL, response.getModel());
    assertEquals(FakeVisionEncoder.VERSION, response.getModelVersion());
    Classification red = response.getClassifications(0);
    assertEquals(0, red.getIndex());
    assertEquals(
        List.of("red", "blue", "green"),
        red.getScoresList().stream().map(LabelScore::getLabel).toList());
    float[] logits =
        FakeFusion.logits(
            new float[][] {{1, 0, 0}}, new float[][] {{0, 1, 0}, {0.2f, 0, 1}, {1, 0.1f, 0}})[0];
    float[] probabilities = FakeFusion.softmax(logits);
    assertEquals(logits[2], red.getScores(0).getLogit(), 1e-6);
    assertEquals(probabilities[2], red.getScores(0).getProbability(), 1e-6);
    assertEquals(probabilities[0], red.getScores(2).getProbability(), 1e-6);
    assertEquals("blue", response.getClassifications(1).getScores(0).getLabel());
    assertEquals(1, response.getClassifications(1).getIndex());
  }

  @Test
  void classify_topK_keepsTheMostProbableLabels() {
    ClassifyResponse response =
        stack.client().classify(request("green", "blue", "red").setTopK(1).build());

    assertEquals(1, response.getClassifications(0).getScoresCount());
    assertEquals("red", response.getClassifications(0).getScores(0).getLabel());
  }

  @Test
  void classify_topKAboveLabelCount_keepsAll() {
    ClassifyResponse response = stack.client().classify(request("green", "red").setTopK(9).build());

    assertEquals(2, response.getClassifications(0).getScoresCount());
  }

  @Test
  void classify_customTemplate_isUsedForThePrompts() {
    stack.client().classify(request("red").setPromptTemplate("{}!").build());

    assertEquals(List.of("red!"), stack.textEncoder.encodedTexts());
  }

  @Test
  void classify_moreNewLabelsThanOneEncoderCallTakes_splitsThePromptsAcrossCalls()
      throws IOException {
    // maxTexts 2 (the encoder's per-call limit) but 5 labels allowed: 3 calls of at most 2 prompts.
    try (InProcessGateway small = new InProcessGateway(new RequestLimits(2, 2, 5, 4, 5, 6), 100)) {
      small.visionEncoder.vectors.put("red-img", new float[] {1, 0, 0});
      ClassifyResponse response =
          small
              .client()
              .classify(
                  ClassifyRequest.newBuilder()
                      .addImages(image("red-img"))
                      .addAllLabels(List.of("a", "b", "c", "d", "e"))
                      .build());

      assertEquals(5, response.getClassifications(0).getScoresCount());
      assertEquals(3, small.textEncoder.calls);
      assertTrue(small.textEncoder.requests.stream().allMatch(r -> r.getTextsCount() <= 2));
      assertEquals(5, small.textEncoder.requests.stream().mapToInt(r -> r.getTextsCount()).sum());
    }
  }

  @Test
  void classify_sameLabelsAgain_encodesNoPrompts() {
    stack.client().classify(request("green", "blue", "red").build());
    int textCalls = stack.textEncoder.calls;

    stack.client().classify(request("red", "green").build());

    assertEquals(textCalls, stack.textEncoder.calls);
    assertEquals(3.0, stack.registry.counter("mmserve.gateway.label.cache.misses").count());
    assertEquals(2.0, stack.registry.counter("mmserve.gateway.label.cache.hits").count());
  }

  @Test
  void classify_partlyCachedLabels_encodesOnlyTheMissingPrompts() {
    stack.client().classify(request("red").build());

    stack.client().classify(request("red", "blue").build());

    assertEquals(
        List.of("a photo of a red", "a photo of a blue"), stack.textEncoder.encodedTexts());
  }

  @Test
  void classify_newModelVersion_encodesThePromptsAgainPinnedToThatVersion() {
    stack.client().classify(request("red").build());
    stack.visionEncoder.version = "0.0.8";
    stack.textEncoder.version = "0.0.8";

    ClassifyResponse response = stack.client().classify(request("red").build());

    assertEquals(2, stack.textEncoder.calls);
    assertEquals("fake-clip@0.0.8", stack.textEncoder.lastRequest.getModel());
    assertEquals("0.0.8", response.getModelVersion());
    assertEquals("fake-clip@0.0.8", stack.fusion.lastClassify.getModel());
  }

  @Test
  void classify_textEncoderOnAnotherVersion_isUnavailable() {
    stack.textEncoder.version = "0.0.9";

    StatusRuntimeException e = fails(request("red").build());

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void classify_passesCallersDeadlineToFusion() {
    stack.client().withDeadlineAfter(3, TimeUnit.MINUTES).classify(request("red").build());

    assertNotNull(stack.fusion.lastDeadline);
    assertTrue(stack.fusion.lastDeadline.timeRemaining(TimeUnit.MINUTES) < 3);
  }

  @Test
  void classify_withoutCallerDeadline_givesFusionTheDefaultDeadline() {
    stack.client().classify(request("red").build());

    long remaining = stack.fusion.lastDeadline.timeRemaining(TimeUnit.MINUTES);
    assertTrue(remaining >= 16 && remaining < 17, () -> remaining + " minutes");
  }

  @Test
  void classify_fusionUnavailable_reachesCallerWithItsMessage() {
    stack.fusion.failWith = Status.UNAVAILABLE.withDescription("fusion queue is full");

    StatusRuntimeException e = fails(request("red").build());

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals("fusion queue is full", e.getStatus().getDescription());
  }

  @Test
  void classify_noLabels_isInvalidArgument() {
    assertInvalid(request().build(), "labels: the request has no labels; send at least one label");
  }

  @Test
  void classify_moreLabelsThanTheLimit_isInvalidArgumentNamingTheLimit() {
    assertInvalid(
        request("a", "b", "c", "d").build(),
        "labels: 4 labels exceed the limit of 3 per request (limits.max-labels)");
  }

  @Test
  void classify_duplicateLabel_isInvalidArgumentNamingBothIndexes() {
    assertInvalid(
        request("red", "blue", "red").build(),
        "labels[2]: duplicate of labels[0] ('red'); labels must be unique");
  }

  @Test
  void classify_emptyLabel_isInvalidArgumentNamingIt() {
    assertInvalid(
        request("red", "").build(), "labels[1]: the label is empty; every label needs some text");
  }

  @Test
  void classify_templateWithoutPlaceholder_isInvalidArgumentNamingTheRule() {
    assertInvalid(
        request("red").setPromptTemplate("a photo").build(),
        "prompt_template: 'a photo' must contain the placeholder {} exactly once (it is replaced"
            + " by each label)");
  }

  @Test
  void classify_templateWithTwoPlaceholders_isInvalidArgument() {
    StatusRuntimeException e = fails(request("red").setPromptTemplate("{} and {}").build());

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("prompt_template: "));
  }

  @Test
  void classify_noImages_isInvalidArgument() {
    StatusRuntimeException e = fails(ClassifyRequest.newBuilder().addLabels("red").build());

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("images: "));
  }

  @Test
  void classify_moreImagesThanTheLimit_isResourceExhausted() {
    StatusRuntimeException e = fails(request("red").addImages(image("red-img")).build());

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
  }

  private StatusRuntimeException fails(ClassifyRequest request) {
    return assertThrows(StatusRuntimeException.class, () -> stack.client().classify(request));
  }

  private void assertInvalid(ClassifyRequest request, String description) {
    StatusRuntimeException e = fails(request);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(description, e.getStatus().getDescription());
    assertEquals(0, stack.visionEncoder.calls + stack.textEncoder.calls + stack.fusion.calls);
  }
}
