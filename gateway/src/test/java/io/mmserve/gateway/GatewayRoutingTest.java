package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.Timer;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.gateway.routing.CanarySettings;
import io.mmserve.gateway.routing.ModelRequestMetrics;
import io.mmserve.gateway.routing.RouteKeys;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Canary routing through the in-process gateway: the version chosen at the edge is named pinned in
 * every encoder and fusion call of the request, and counted in the per-version timer.
 */
class GatewayRoutingTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 2, 3, 4, 5, 6);
  private static final String STABLE = FakeVisionEncoder.VERSION;
  private static final String CANARY = "0.0.8";

  private InProcessGateway stack;

  @BeforeEach
  void start() throws IOException {
    stack =
        new InProcessGateway(
            LIMITS,
            100,
            Map.of(
                CanarySettings.MODEL,
                FakeVisionEncoder.MODEL,
                CanarySettings.STABLE_VERSION,
                STABLE,
                CanarySettings.VERSION,
                CANARY,
                CanarySettings.WEIGHT,
                "30"));
    stack.visionEncoder.vectors.put("red-img", new float[] {1, 0, 0});
  }

  @AfterEach
  void stop() {
    stack.close();
  }

  private static ClassifyRequest classify(String model) {
    return ClassifyRequest.newBuilder()
        .addImages(Image.newBuilder().setEncoded(ByteString.copyFromUtf8("red-img")))
        .addAllLabels(List.of("red", "green"))
        .setModel(model)
        .build();
  }

  /** The fakes answer with the version they are asked for, as the real encoders do. */
  private void answerAs(String version) {
    stack.visionEncoder.version = version;
    stack.textEncoder.version = version;
  }

  private void assertEveryHopNamed(String pinned) {
    assertEquals(pinned, stack.visionEncoder.lastRequest.getModel());
    assertTrue(
        stack.textEncoder.requests.stream()
            .map(EncodeTextRequest::getModel)
            .allMatch(pinned::equals),
        stack.textEncoder.requests.toString());
    assertEquals(pinned, stack.fusion.lastClassify.getModel());
  }

  @Test
  void aDrawBelowTheWeight_sendsEveryHopOfClassifyToTheCanary() {
    stack.nextDraw = 29;
    answerAs(CANARY);

    ClassifyResponse response = stack.client().classify(classify(""));

    assertEquals(CANARY, response.getModelVersion());
    assertEveryHopNamed(FakeVisionEncoder.MODEL + "@" + CANARY);
  }

  @Test
  void aDrawAtTheWeight_sendsEveryHopToStable() {
    stack.nextDraw = 30;

    ClassifyResponse response = stack.client().classify(classify(FakeVisionEncoder.MODEL));

    assertEquals(STABLE, response.getModelVersion());
    assertEveryHopNamed(FakeVisionEncoder.MODEL + "@" + STABLE);
  }

  @Test
  void aPinnedRequest_keepsItsVersion() {
    stack.nextDraw = 0; // would be the canary

    stack.client().classify(classify(FakeVisionEncoder.MODEL + "@" + STABLE));

    assertEveryHopNamed(FakeVisionEncoder.MODEL + "@" + STABLE);
  }

  @Test
  void aRouteKey_decidesInsteadOfTheDraw() {
    stack.nextDraw = 99; // would be stable
    String key = "user-0";
    for (int i = 1; RouteKeys.bucket(key) >= 30; i++) {
      key = "user-" + i;
    }
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of(RouteKeys.HEADER, Metadata.ASCII_STRING_MARSHALLER), key);
    MultimodalGrpc.MultimodalBlockingStub client =
        stack.client().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    answerAs(CANARY);

    client.embedText(EmbedTextRequest.newBuilder().addTexts("red").build());

    assertEquals(FakeVisionEncoder.MODEL + "@" + CANARY, stack.textEncoder.lastRequest.getModel());
  }

  @Test
  void everyCall_isTimedByTheVersionThatServedIt() {
    stack.nextDraw = 0;
    answerAs(CANARY);
    stack.client().classify(classify(""));

    Timer timer =
        stack
            .registry
            .get(ModelRequestMetrics.REQUESTS)
            .tags(
                "method",
                "mmserve.v1.Multimodal/Classify",
                "model",
                FakeVisionEncoder.MODEL,
                "version",
                CANARY,
                "status",
                "OK")
            .timer();
    assertEquals(1, timer.count());
  }
}
