package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ImageTextPair;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MatchResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Match through the in-process gateway, fake encoders and fake fusion-svc. */
class MatchCallTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 8, 3, 2, 5, 6);

  private InProcessGateway stack;

  @BeforeEach
  void start() throws IOException {
    stack = new InProcessGateway(LIMITS, 100);
    stack.visionEncoder.vectors.put("img-a", new float[] {1, 2, 0});
    stack.visionEncoder.vectors.put("img-b", new float[] {0, 1, 1});
    stack.textEncoder.vectors.put("text a", new float[] {0.5f, 0, 0});
    stack.textEncoder.vectors.put("text b", new float[] {0, -1, -2});
  }

  @AfterEach
  void stop() {
    stack.close();
  }

  private static ImageTextPair pair(String image, String text) {
    return ImageTextPair.newBuilder()
        .setImage(Image.newBuilder().setEncoded(ByteString.copyFromUtf8(image)))
        .setText(text)
        .build();
  }

  @Test
  void match_answersEachPairsProbabilityAndLogitInRequestOrder() {
    MatchResponse response =
        stack
            .client()
            .match(
                MatchRequest.newBuilder()
                    .addPairs(pair("img-a", "text a"))
                    .addPairs(pair("img-b", "text b"))
                    .setRequestId("m1")
                    .build());

    assertEquals("m1", response.getRequestId());
    assertEquals(FakeVisionEncoder.VERSION, response.getModelVersion());
    assertEquals(0, response.getResults(0).getIndex());
    assertEquals(0.5f, response.getResults(0).getLogit(), 1e-6);
    assertEquals(1 / (1 + Math.exp(-0.5)), response.getResults(0).getProbability(), 1e-6);
    assertEquals(1, response.getResults(1).getIndex());
    assertEquals(-3f, response.getResults(1).getLogit(), 1e-6);
  }

  @Test
  void match_sendsFeaturesOfBothEncodersToFusionPinnedToTheModelVersion() {
    stack.client().match(MatchRequest.newBuilder().addPairs(pair("img-a", "text a")).build());

    assertTrue(stack.textEncoder.lastRequest.getIncludeFeatures());
    assertTrue(stack.visionEncoder.lastRequest.getIncludeFeatures());
    assertEquals(List.of(1L, 2L, 3L), stack.fusion.lastMatch.getTokenFeatures().getShapeList());
    assertEquals(List.of(1L, 2L), stack.fusion.lastMatch.getAttentionMask().getShapeList());
    assertEquals(List.of(1L, 2L, 3L), stack.fusion.lastMatch.getPatchFeatures().getShapeList());
    assertEquals("fake-clip@0.0.7", stack.fusion.lastMatch.getModel());
  }

  @Test
  void match_passesCallersDeadlineToFusion() {
    stack
        .client()
        .withDeadlineAfter(2, TimeUnit.MINUTES)
        .match(MatchRequest.newBuilder().addPairs(pair("img-a", "text a")).build());

    assertTrue(stack.fusion.lastDeadline.timeRemaining(TimeUnit.MINUTES) < 2);
  }

  @Test
  void match_noPairs_isInvalidArgument() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> stack.client().match(MatchRequest.getDefaultInstance()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(
        "pairs: the request has no pairs; send at least one pair", e.getStatus().getDescription());
  }

  @Test
  void match_morePairsThanTheLimit_isInvalidArgumentNamingTheLimit() {
    MatchRequest request =
        MatchRequest.newBuilder()
            .addPairs(pair("img-a", "text a"))
            .addPairs(pair("img-a", "text a"))
            .addPairs(pair("img-a", "text a"))
            .build();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> stack.client().match(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(
        "pairs: 3 pairs exceed the limit of 2 per request (limits.max-pairs)",
        e.getStatus().getDescription());
  }

  @Test
  void match_pairWithoutImage_isInvalidArgumentNamingThePair() {
    MatchRequest request =
        MatchRequest.newBuilder()
            .addPairs(pair("img-a", "text a"))
            .addPairs(ImageTextPair.newBuilder().setText("x"))
            .build();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> stack.client().match(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(
        "pairs[1].image: no image given; set either encoded or raw",
        e.getStatus().getDescription());
    assertEquals(0, stack.textEncoder.calls + stack.visionEncoder.calls);
  }
}
