package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ImageList;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.RankResponse;
import io.mmserve.api.v1.RankedCandidate;
import io.mmserve.api.v1.TextList;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rank through the in-process gateway, fake encoders and fake fusion-svc. The vectors are chosen so
 * that similarity orders the candidates a, b, c, while the fake match head (a dot product) prefers
 * b to a.
 */
class RankCallTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 4, 3, 2, 3, 6);

  private InProcessGateway stack;

  @BeforeEach
  void start() throws IOException {
    stack = new InProcessGateway(LIMITS, 100);
    stack.textEncoder.vectors.put("query", new float[] {1, 0, 0});
    stack.textEncoder.vectors.put("a", new float[] {1, 0.1f, 0});
    stack.textEncoder.vectors.put("b", new float[] {3, 3, 0});
    stack.textEncoder.vectors.put("c", new float[] {0, 1, 0});
    stack.visionEncoder.vectors.put("query", new float[] {1, 0, 0});
    stack.visionEncoder.vectors.put("a", new float[] {1, 0.1f, 0});
    stack.visionEncoder.vectors.put("b", new float[] {3, 3, 0});
    stack.visionEncoder.vectors.put("c", new float[] {0, 1, 0});
  }

  @AfterEach
  void stop() {
    stack.close();
  }

  private static Image image(String key) {
    return Image.newBuilder().setEncoded(ByteString.copyFromUtf8(key)).build();
  }

  private static RankRequest.Builder textQueryOverImages() {
    return RankRequest.newBuilder()
        .setQueryText("query")
        .setCandidateImages(
            ImageList.newBuilder()
                .addImages(image("c"))
                .addImages(image("a"))
                .addImages(image("b")));
  }

  private static RankRequest.Builder imageQueryOverTexts() {
    return RankRequest.newBuilder()
        .setQueryImage(image("query"))
        .setCandidateTexts(TextList.newBuilder().addTexts("c").addTexts("a").addTexts("b"));
  }

  private static List<Integer> order(RankResponse response) {
    return response.getResultsList().stream().map(RankedCandidate::getIndex).toList();
  }

  @Test
  void rank_textQueryOverImages_ordersBySimilarity() {
    RankResponse response = stack.client().rank(textQueryOverImages().setRequestId("r").build());

    assertEquals(List.of(1, 2, 0), order(response));
    RankedCandidate best = response.getResults(0);
    double cosine = FakeFusion.cosine(new float[] {1, 0, 0}, new float[] {1, 0.1f, 0});
    assertEquals(cosine, best.getSimilarity(), 1e-6);
    assertEquals(cosine * FakeFusion.LOGIT_SCALE, best.getLogit(), 1e-5);
    assertFalse(best.getReranked());
    assertEquals("r", response.getRequestId());
    assertEquals(FakeVisionEncoder.VERSION, response.getModelVersion());
  }

  @Test
  void rank_topK_keepsTheBest() {
    RankResponse response = stack.client().rank(textQueryOverImages().setTopK(2).build());

    assertEquals(List.of(1, 2), order(response));
  }

  @Test
  void rank_rerankTextQueryOverImages_reordersTheTopKByMatchProbability() {
    RankResponse response = stack.client().rank(textQueryOverImages().setRerankTopK(2).build());

    assertEquals(List.of(2, 1, 0), order(response));
    assertTrue(response.getResults(0).getReranked());
    assertEquals(1 / (1 + Math.exp(-3)), response.getResults(0).getMatchProbability(), 1e-6);
    assertTrue(response.getResults(1).getReranked());
    assertFalse(response.getResults(2).getReranked());
    assertEquals(List.of(2L, 2L, 3L), stack.fusion.lastMatch.getPatchFeatures().getShapeList());
    assertEquals(List.of(2L, 2L, 3L), stack.fusion.lastMatch.getTokenFeatures().getShapeList());
  }

  @Test
  void rank_rerankImageQueryOverTexts_reordersTheTopKByMatchProbability() {
    RankResponse response = stack.client().rank(imageQueryOverTexts().setRerankTopK(2).build());

    assertEquals(List.of(2, 1, 0), order(response));
    assertTrue(response.getResults(1).getReranked());
    // the reranked texts are encoded again with their token features, pinned to the version
    assertEquals(List.of("a", "b"), stack.textEncoder.lastRequest.getTextsList());
    assertTrue(stack.textEncoder.lastRequest.getIncludeFeatures());
    assertEquals("fake-clip@0.0.7", stack.textEncoder.lastRequest.getModel());
  }

  @Test
  void rank_rerankMoreThanTheCandidates_rerankesThemAll() {
    RankResponse response = stack.client().rank(textQueryOverImages().setRerankTopK(9).build());

    assertTrue(response.getResultsList().stream().allMatch(RankedCandidate::getReranked));
  }

  @Test
  void rank_textCandidatesTwice_encodesThemOnceThroughTheCache() {
    stack.client().rank(imageQueryOverTexts().build());
    int calls = stack.textEncoder.calls;

    RankResponse response = stack.client().rank(imageQueryOverTexts().build());

    assertEquals(calls, stack.textEncoder.calls);
    assertEquals(List.of(1, 2, 0), order(response));
  }

  @Test
  void rank_textQueryOverTexts_ordersBySimilarity() {
    RankRequest request =
        RankRequest.newBuilder()
            .setQueryText("query")
            .setCandidateTexts(TextList.newBuilder().addTexts("c").addTexts("b").addTexts("a"))
            .build();

    assertEquals(List.of(2, 1, 0), order(stack.client().rank(request)));
  }

  @Test
  void rank_imageQueryOverImages_ordersBySimilarity() {
    RankRequest request =
        RankRequest.newBuilder()
            .setQueryImage(image("query"))
            .setCandidateImages(ImageList.newBuilder().addImages(image("b")).addImages(image("a")))
            .build();

    assertEquals(List.of(1, 0), order(stack.client().rank(request)));
  }

  @Test
  void rank_passesCallersDeadlineToFusion() {
    stack.client().withDeadlineAfter(2, TimeUnit.MINUTES).rank(textQueryOverImages().build());

    assertTrue(stack.fusion.lastDeadline.timeRemaining(TimeUnit.MINUTES) < 2);
  }

  @Test
  void rank_rerankWithOneModality_isInvalidArgument() {
    RankRequest request =
        RankRequest.newBuilder()
            .setQueryText("query")
            .setCandidateTexts(TextList.newBuilder().addTexts("a"))
            .setRerankTopK(1)
            .build();

    assertInvalid(request, "rerank_top_k: ");
  }

  @Test
  void rank_noQuery_isInvalidArgument() {
    assertInvalid(
        RankRequest.newBuilder().setCandidateTexts(TextList.newBuilder().addTexts("a")).build(),
        "query: ");
  }

  @Test
  void rank_noCandidates_isInvalidArgument() {
    assertInvalid(RankRequest.newBuilder().setQueryText("q").build(), "candidates: ");
  }

  @Test
  void rank_emptyCandidateList_isInvalidArgument() {
    assertInvalid(
        RankRequest.newBuilder()
            .setQueryText("q")
            .setCandidateTexts(TextList.getDefaultInstance())
            .build(),
        "candidate_texts.texts: the request has no candidates");
  }

  @Test
  void rank_moreCandidatesThanTheLimit_isInvalidArgumentNamingTheLimit() {
    RankRequest request =
        RankRequest.newBuilder()
            .setQueryText("q")
            .setCandidateTexts(TextList.newBuilder().addAllTexts(List.of("a", "b", "c", "d")))
            .build();

    assertInvalid(
        request,
        "candidate_texts.texts: 4 candidates exceed the limit of 3 per request"
            + " (limits.max-candidates)");
  }

  private void assertInvalid(RankRequest request, String descriptionStart) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> stack.client().rank(request));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().startsWith(descriptionStart), e.getStatus()::toString);
    assertEquals(0, stack.textEncoder.calls + stack.visionEncoder.calls + stack.fusion.calls);
  }
}
