package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedImageResponse;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.kit.errors.BadRequestDetails;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.StatusMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's dynamic batching end to end, in-process: concurrent callers of EmbedText and
 * EmbedImage in front of the fake encoders. To make callers share a batch without timing, a first
 * call holds the encoder (its gate) and with it the batcher's only call slot, while the others
 * queue; opening the gate lets the queued requests go as one batch.
 */
class GatewayBatchingTest {
  private static final RequestLimits LIMITS = RequestLimits.of(8, 4);

  private final ExecutorService callers = Executors.newFixedThreadPool(12);
  private InProcessGateway gateway;

  @AfterEach
  void stop() {
    callers.shutdownNow();
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void embedText_concurrentCallersShareEncoderCallsAndEachGetsItsOwnEmbeddings() throws Exception {
    start(Map.of("batching.text.max-in-flight", "1"));
    FakeTextEncoder encoder = gateway.textEncoder;
    for (int i = 0; i < 7; i++) {
      encoder.vectors.put("t" + i, vector(i));
    }
    encoder.gate = new CountDownLatch(1);
    Future<EmbedTextResponse> first = callers.submit(() -> embedText("t0"));
    Eventually.await("the first call holds the encoder", () -> encoder.requests.size() == 1);
    List<Future<EmbedTextResponse>> queued = new ArrayList<>();
    for (int i = 1; i < 7; i++) {
      String text = "t" + i;
      queued.add(callers.submit(() -> embedText(text)));
    }
    Eventually.await("6 texts queued", () -> queuedItems("text") == 6);

    encoder.gate.countDown();

    assertArrayEquals(vector(0), values(first.get(10, TimeUnit.SECONDS)));
    for (int i = 1; i < 7; i++) {
      assertArrayEquals(vector(i), values(queued.get(i - 1).get(10, TimeUnit.SECONDS)), "t" + i);
    }
    assertEquals(2, encoder.requests.size(), "7 requests in 2 encoder calls");
    assertEquals(
        Set.of("t1", "t2", "t3", "t4", "t5", "t6"),
        Set.copyOf(encoder.requests.get(1).getTextsList()));
  }

  @Test
  void embedText_withMaxBatchSizeOne_sendsEachRequestInItsOwnEncoderCall() throws Exception {
    start(Map.of("batching.text.max-batch-size", "1"));
    FakeTextEncoder encoder = gateway.textEncoder;
    for (int i = 0; i < 4; i++) {
      encoder.vectors.put("t" + i, vector(i));
    }
    encoder.gate = new CountDownLatch(1);
    List<Future<EmbedTextResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String text = "t" + i;
      answers.add(callers.submit(() -> embedText(text)));
    }
    Eventually.await("4 calls at the encoder at once", () -> encoder.requests.size() == 4);

    encoder.gate.countDown();

    for (int i = 0; i < 4; i++) {
      assertArrayEquals(vector(i), values(answers.get(i).get(10, TimeUnit.SECONDS)), "t" + i);
    }
    assertEquals(4, encoder.requests.size());
    for (EncodeTextRequest request : encoder.requests) {
      assertEquals(1, request.getTextsCount());
    }
  }

  @Test
  void embedText_whenTheQueueIsFull_isUnavailableAtOnceWithARetryPushbackTrailer()
      throws Exception {
    start(
        Map.of(
            "batching.text.max-in-flight", "1",
            "batching.text.max-queue-items", "1",
            "shed.retry-pushback", "250ms"));
    FakeTextEncoder encoder = gateway.textEncoder;
    encoder.gate = new CountDownLatch(1);
    Future<EmbedTextResponse> first = callers.submit(() -> embedText("busy"));
    Eventually.await("the first call holds the encoder", () -> encoder.requests.size() == 1);
    Future<EmbedTextResponse> admitted = callers.submit(() -> embedText("queued"));
    Eventually.await("1 text queued", () -> queuedItems("text") == 1);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> embedText("shed"));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("overloaded"), e::toString);
    assertEquals(OptionalLong.of(250), StatusMapper.retryPushbackMillis(e.getTrailers()));
    encoder.gate.countDown();
    first.get(10, TimeUnit.SECONDS);
    admitted.get(10, TimeUnit.SECONDS);
    assertEquals(List.of("busy", "queued"), encoder.encodedTexts(), "the shed text never went");
  }

  @Test
  void embedText_callerWhoCancelsWhileQueued_neverReachesTheEncoder() throws Exception {
    start(Map.of("batching.text.max-in-flight", "1"));
    FakeTextEncoder encoder = gateway.textEncoder;
    encoder.gate = new CountDownLatch(1);
    Future<EmbedTextResponse> first = callers.submit(() -> embedText("busy"));
    Eventually.await("the first call holds the encoder", () -> encoder.requests.size() == 1);
    ListenableFuture<EmbedTextResponse> gone =
        MultimodalGrpc.newFutureStub(gateway.gatewayChannel)
            .embedText(EmbedTextRequest.newBuilder().addTexts("gone").build());
    Future<EmbedTextResponse> stays = callers.submit(() -> embedText("stays"));
    Eventually.await("2 texts queued", () -> queuedItems("text") == 2);

    gone.cancel(true);
    Eventually.await("the gateway saw the cancellation", () -> cancelledCalls() == 1);
    encoder.gate.countDown();

    first.get(10, TimeUnit.SECONDS);
    stays.get(10, TimeUnit.SECONDS);
    assertEquals(List.of("busy", "stays"), encoder.encodedTexts());
    assertEquals(
        1.0,
        gateway
            .registry
            .find("mmserve.batch.dropped.items")
            .tag("batcher", "text")
            .counter()
            .count());
  }

  @Test
  void embedText_withBatchingOffAndTheBulkheadFull_isUnavailableWithARetryPushbackTrailer()
      throws Exception {
    start(
        Map.of(
            "batching.text.max-batch-size", "1",
            "bulkhead.max-concurrent-calls", "1",
            "shed.retry-pushback", "300ms"));
    FakeTextEncoder encoder = gateway.textEncoder;
    encoder.gate = new CountDownLatch(1);
    Future<EmbedTextResponse> first = callers.submit(() -> embedText("busy"));
    Eventually.await("the first call holds the encoder", () -> encoder.requests.size() == 1);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> embedText("more"));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(OptionalLong.of(300), StatusMapper.retryPushbackMillis(e.getTrailers()));
    encoder.gate.countDown();
    first.get(10, TimeUnit.SECONDS);
    assertEquals(List.of("busy"), encoder.encodedTexts());
  }

  @Test
  void embedImage_oneCallersBadImageFailsOnlyThatCallerNamingItsOwnIndex() throws Exception {
    start(Map.of("batching.image.max-in-flight", "1"));
    FakeVisionEncoder encoder = gateway.visionEncoder;
    encoder.vectors.put("blocker", vector(0));
    encoder.vectors.put("a0", vector(1));
    encoder.vectors.put("b0", vector(2));
    encoder.corrupt.add("bad");
    encoder.gate = new CountDownLatch(1);
    Future<EmbedImageResponse> blocker = callers.submit(() -> embedImages("blocker"));
    Eventually.await("the first call holds the encoder", () -> encoder.requests.size() == 1);
    Future<EmbedImageResponse> good = callers.submit(() -> embedImages("a0"));
    Future<EmbedImageResponse> bad = callers.submit(() -> embedImages("b0", "bad"));
    Eventually.await("3 images queued", () -> queuedItems("image") == 3);

    encoder.gate.countDown();

    blocker.get(10, TimeUnit.SECONDS);
    assertArrayEquals(encoder.vectors.get("a0"), values(good.get(10, TimeUnit.SECONDS)));
    StatusRuntimeException e = callFailure(bad);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("images[1]: " + FakeVisionEncoder.CORRUPT_MESSAGE, e.getStatus().getDescription());
    assertEquals(
        List.of(FieldViolation.item("images", 1, FakeVisionEncoder.CORRUPT_MESSAGE)),
        BadRequestDetails.of(e));
    assertEquals(3, encoder.requests.get(1).getImagesCount(), "the callers shared a batch");
  }

  @Test
  void embedImage_badImageInAMergedBatch_failsOnlyItsCallerWithBadRequestOfItsOwnIndex()
      throws Exception {
    start(Map.of("batching.image.max-in-flight", "1"));
    FakeVisionEncoder encoder = gateway.visionEncoder;
    encoder.vectors.put("blocker", vector(0));
    encoder.vectors.put("a0", vector(1));
    encoder.vectors.put("a1", vector(2));
    encoder.corrupt.add("bad");
    encoder.gate = new CountDownLatch(1);
    Future<EmbedImageResponse> blocker = callers.submit(() -> embedImages("blocker"));
    Eventually.await("the first call holds the encoder", () -> encoder.requests.size() == 1);
    Future<EmbedImageResponse> good = callers.submit(() -> embedImages("a0", "a1"));
    Eventually.await("2 images queued", () -> queuedItems("image") == 2);
    Future<EmbedImageResponse> bad = callers.submit(() -> embedImages("bad"));
    Eventually.await("3 images queued", () -> queuedItems("image") == 3);

    encoder.gate.countDown();

    blocker.get(10, TimeUnit.SECONDS);
    assertEquals(2, good.get(10, TimeUnit.SECONDS).getEmbeddingsCount());
    StatusRuntimeException e = callFailure(bad);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("images[0]: " + FakeVisionEncoder.CORRUPT_MESSAGE, e.getStatus().getDescription());
    assertEquals(
        List.of(FieldViolation.item("images", 0, FakeVisionEncoder.CORRUPT_MESSAGE)),
        BadRequestDetails.of(e));
    assertEquals(
        3, encoder.requests.get(1).getImagesCount(), "the bad image was at images[2] of a batch");
  }

  @Test
  void embedImage_badImageInALaterBatchOfASplitRequest_isNamedByItsIndexInTheRequest() {
    start(Map.of("batching.image.max-batch-size", "2"));
    FakeVisionEncoder encoder = gateway.visionEncoder;
    encoder.vectors.put("g0", vector(0));
    encoder.vectors.put("g1", vector(1));
    encoder.corrupt.add("bad");

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> embedImages("g0", "g1", "bad"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("images[2]: " + FakeVisionEncoder.CORRUPT_MESSAGE, e.getStatus().getDescription());
    assertEquals(
        List.of(FieldViolation.item("images", 2, FakeVisionEncoder.CORRUPT_MESSAGE)),
        BadRequestDetails.of(e));
  }

  @Test
  void embedText_requestLargerThanMaxBatchSize_isSplitAndAnsweredInOrder() {
    start(Map.of("batching.text.max-batch-size", "2"));
    FakeTextEncoder encoder = gateway.textEncoder;
    for (int i = 0; i < 5; i++) {
      encoder.vectors.put("t" + i, vector(i));
    }

    EmbedTextResponse response =
        gateway
            .client()
            .embedText(
                EmbedTextRequest.newBuilder()
                    .addAllTexts(List.of("t0", "t1", "t2", "t3", "t4"))
                    .build());

    for (int i = 0; i < 5; i++) {
      assertEquals(i, response.getEmbeddings(i).getIndex());
      assertArrayEquals(vector(i), floats(response.getEmbeddings(i).getValuesList()), "t" + i);
    }
    assertEquals(
        List.of(2, 2, 1),
        encoder.requests.stream()
            .map(EncodeTextRequest::getTextsCount)
            .sorted((x, y) -> y - x)
            .collect(Collectors.toList()));
  }

  @Test
  void embedText_batchNeverHoldsMoreTextsThanTheRequestLimit() throws Exception {
    start(Map.of("batching.text.max-in-flight", "1", "batching.text.max-batch-size", "64"));
    FakeTextEncoder encoder = gateway.textEncoder;
    encoder.gate = new CountDownLatch(1);
    Future<EmbedTextResponse> first = callers.submit(() -> embedText("busy"));
    Eventually.await("the first call holds the encoder", () -> encoder.requests.size() == 1);
    List<Future<EmbedTextResponse>> queued = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String text = "t" + i;
      queued.add(callers.submit(() -> embedText(text)));
    }
    Eventually.await("10 texts queued", () -> queuedItems("text") == 10);

    encoder.gate.countDown();

    first.get(10, TimeUnit.SECONDS);
    for (Future<EmbedTextResponse> answer : queued) {
      answer.get(10, TimeUnit.SECONDS);
    }
    assertEquals(
        List.of(1, LIMITS.maxTexts(), 10 - LIMITS.maxTexts()),
        encoder.requests.stream().map(EncodeTextRequest::getTextsCount).toList());
  }

  // --- helpers

  private void start(Map<String, String> overrides) {
    try {
      gateway = new InProcessGateway(LIMITS, 0, overrides);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private EmbedTextResponse embedText(String text) {
    return gateway.client().embedText(EmbedTextRequest.newBuilder().addTexts(text).build());
  }

  private EmbedImageResponse embedImages(String... images) {
    EmbedImageRequest.Builder request = EmbedImageRequest.newBuilder();
    for (String image : images) {
      request.addImages(Image.newBuilder().setEncoded(ByteString.copyFromUtf8(image)));
    }
    return gateway.client().embedImage(request.build());
  }

  private double queuedItems(String queue) {
    Gauge gauge = gateway.registry.find("mmserve.batch.queued.items").tag("batcher", queue).gauge();
    assertNotNull(gauge, queue);
    return gauge.value();
  }

  private long cancelledCalls() {
    Timer calls =
        gateway.registry.find("mmserve.grpc.server.requests").tag("status", "CANCELLED").timer();
    return calls == null ? 0 : calls.count();
  }

  private static StatusRuntimeException callFailure(Future<?> call) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
    return assertInstanceOf(StatusRuntimeException.class, e.getCause());
  }

  /** A distinct 4-dimensional vector per i. */
  private static float[] vector(int i) {
    return new float[] {i + 1f, -i, 0.5f * i, 3f};
  }

  private static float[] values(EmbedTextResponse response) {
    assertEquals(1, response.getEmbeddingsCount());
    return floats(response.getEmbeddings(0).getValuesList());
  }

  private static float[] values(EmbedImageResponse response) {
    assertEquals(1, response.getEmbeddingsCount());
    return floats(response.getEmbeddings(0).getValuesList());
  }

  private static float[] floats(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
