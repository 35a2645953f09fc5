package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.BadRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.mmserve.api.v1.DeleteRequest;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedImageResponse;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalBlockingStub;
import io.mmserve.api.v1.PixelFormat;
import io.mmserve.api.v1.RawImage;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.UpsertRequest;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The gateway in-process, in front of fake in-process encoders: the embed calls. */
class MultimodalServiceTest {
  private static final RequestLimits LIMITS = RequestLimits.of(3, 2);

  private InProcessGateway stack;
  private FakeTextEncoder textEncoder;
  private FakeVisionEncoder visionEncoder;
  private ManagedChannel gatewayChannel;
  private MultimodalBlockingStub client;

  @BeforeEach
  void start() throws IOException {
    stack = new InProcessGateway(LIMITS, 100);
    textEncoder = stack.textEncoder;
    visionEncoder = stack.visionEncoder;
    gatewayChannel = stack.gatewayChannel;
    client = stack.client();
  }

  @AfterEach
  void stop() {
    stack.close();
  }

  @Test
  void embedText_mapsEncoderEmbeddingsInRequestOrder() {
    EmbedTextResponse response =
        client.embedText(
            EmbedTextRequest.newBuilder()
                .addTexts("a red circle")
                .addTexts("blue")
                .setRequestId("req-1")
                .build());

    assertEquals(FakeTextEncoder.MODEL, response.getModel());
    assertEquals(FakeTextEncoder.VERSION, response.getModelVersion());
    assertEquals("req-1", response.getRequestId());
    assertEquals(2, response.getEmbeddingsCount());
    for (int i = 0; i < 2; i++) {
      Embedding embedding = response.getEmbeddings(i);
      assertEquals(i, embedding.getIndex());
      assertEquals(FakeTextEncoder.DIMS, embedding.getValuesCount());
      for (int c = 0; c < FakeTextEncoder.DIMS; c++) {
        assertEquals(FakeTextEncoder.valueAt(i, c), embedding.getValues(c));
      }
    }
  }

  @Test
  void embedText_mapsTruncatedFlagAndTokenCountPerText() {
    EmbedTextResponse response =
        client.embedText(
            EmbedTextRequest.newBuilder()
                .addTexts("a text longer than the context")
                .addTexts("short")
                .build());

    assertTrue(response.getEmbeddings(0).getTruncated());
    assertEquals(FakeTextEncoder.CONTEXT_CHARS + 2, response.getEmbeddings(0).getTokenCount());
    assertFalse(response.getEmbeddings(1).getTruncated());
    assertEquals("short".length() + 2, response.getEmbeddings(1).getTokenCount());
  }

  @Test
  void embedText_sendsTextsModelAndRequestIdToEncoderAndAsksForNormalisation() {
    client.embedText(
        EmbedTextRequest.newBuilder()
            .addTexts("x")
            .addTexts("")
            .setModel("shapes-clip@1.0.0")
            .setRequestId("r")
            .build());

    assertEquals(List.of("x", ""), textEncoder.lastRequest.getTextsList());
    assertEquals("shapes-clip@1.0.0", textEncoder.lastRequest.getModel());
    assertEquals("r", textEncoder.lastRequest.getRequestId());
    assertTrue(textEncoder.lastRequest.getNormalize());
  }

  @Test
  void embedText_skipNormalization_asksEncoderNotToNormalise() {
    client.embedText(
        EmbedTextRequest.newBuilder().addTexts("x").setSkipNormalization(true).build());

    assertFalse(textEncoder.lastRequest.getNormalize());
  }

  @Test
  void embedText_emptyRequest_isInvalidArgumentAndNeverReachesEncoder() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> client.embedText(EmbedTextRequest.getDefaultInstance()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("texts: "), e.getStatus()::toString);
    assertEquals(0, textEncoder.calls);
  }

  @Test
  void embedText_overTheTextLimit_isResourceExhaustedNamingTheLimit() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                client.embedText(
                    EmbedTextRequest.newBuilder()
                        .addAllTexts(List.of("a", "b", "c", "d"))
                        .build()));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals(
        "texts: 4 texts exceed the limit of 3 per request", e.getStatus().getDescription());
    assertEquals(0, textEncoder.calls);
  }

  @Test
  void embedText_encoderInvalidArgument_reachesCallerWithItsMessage() {
    textEncoder.failWith =
        Status.INVALID_ARGUMENT.withDescription("unknown model 'nope'; served: shapes-clip");

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> client.embedText(EmbedTextRequest.newBuilder().addTexts("x").build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("unknown model 'nope'; served: shapes-clip", e.getStatus().getDescription());
  }

  @Test
  void embedImage_encoderUnavailable_reachesCallerAsUnavailable() {
    visionEncoder.failWith = Status.UNAVAILABLE.withDescription("vision batch queue is full");

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> client.embedImage(oneImage()));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals("vision batch queue is full", e.getStatus().getDescription());
  }

  @Test
  void embedText_brokenEncoderAnswer_isInternalWithoutDetails() {
    textEncoder.rowsOverride = 1;

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                client.embedText(
                    EmbedTextRequest.newBuilder().addTexts("a").addTexts("b").build()));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertEquals("internal error", e.getStatus().getDescription());
  }

  @Test
  void embedText_passesCallersDeadlineToEncoder() {
    client
        .withDeadlineAfter(3, TimeUnit.MINUTES)
        .embedText(EmbedTextRequest.newBuilder().addTexts("x").build());

    assertNotNull(textEncoder.lastDeadline);
    assertTrue(textEncoder.lastDeadline.timeRemaining(TimeUnit.MINUTES) < 3);
  }

  @Test
  void embedText_withoutCallerDeadline_givesEncoderTheDefaultDeadline() {
    client.embedText(EmbedTextRequest.newBuilder().addTexts("x").build());

    assertNotNull(textEncoder.lastDeadline);
    long remaining = textEncoder.lastDeadline.timeRemaining(TimeUnit.MINUTES);
    assertTrue(remaining >= 16 && remaining < 17, () -> remaining + " minutes");
  }

  @Test
  void embedImage_passesCallersDeadlineToEncoder() {
    client.withDeadlineAfter(2, TimeUnit.MINUTES).embedImage(oneImage());

    assertNotNull(visionEncoder.lastDeadline);
    assertTrue(visionEncoder.lastDeadline.timeRemaining(TimeUnit.MINUTES) < 2);
  }

  @Test
  void embedImage_mapsEmbeddingsAndForwardsImagesUnchanged() {
    Image encoded = Image.newBuilder().setEncoded(ByteString.copyFromUtf8("png bytes")).build();
    Image raw =
        Image.newBuilder()
            .setRaw(
                RawImage.newBuilder()
                    .setWidth(2)
                    .setHeight(1)
                    .setFormat(PixelFormat.GRAY8)
                    .setData(ByteString.copyFrom(new byte[] {1, 2})))
            .build();

    EmbedImageResponse response =
        client.embedImage(
            EmbedImageRequest.newBuilder()
                .addImages(encoded)
                .addImages(raw)
                .setModel("m")
                .setRequestId("img")
                .build());

    assertEquals(List.of(encoded, raw), visionEncoder.lastRequest.getImagesList());
    assertEquals("m", visionEncoder.lastRequest.getModel());
    assertTrue(visionEncoder.lastRequest.getNormalize());
    assertEquals(FakeVisionEncoder.MODEL, response.getModel());
    assertEquals(FakeVisionEncoder.VERSION, response.getModelVersion());
    assertEquals("img", response.getRequestId());
    assertEquals(2, response.getEmbeddingsCount());
    assertEquals(1, response.getEmbeddings(1).getIndex());
    assertEquals(FakeTextEncoder.valueAt(1, 2), response.getEmbeddings(1).getValues(2));
  }

  @Test
  void embedImage_skipNormalization_asksEncoderNotToNormalise() {
    client.embedImage(oneImage().toBuilder().setSkipNormalization(true).build());

    assertFalse(visionEncoder.lastRequest.getNormalize());
  }

  @Test
  void embedImage_emptyEncodedBytes_isInvalidArgumentNamingTheImage() {
    EmbedImageRequest request =
        oneImage().toBuilder().addImages(Image.newBuilder().setEncoded(ByteString.EMPTY)).build();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> client.embedImage(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("images[1]: encoded bytes are empty", e.getStatus().getDescription());
    assertEquals(0, visionEncoder.calls);
  }

  @Test
  void embedImage_badImage_givesClientsTheFieldAndRuleAsBadRequest() throws Exception {
    EmbedImageRequest request =
        oneImage().toBuilder().addImages(Image.newBuilder().setEncoded(ByteString.EMPTY)).build();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> client.embedImage(request));

    BadRequest.FieldViolation violation = onlyViolation(e);
    assertEquals("images[1]", violation.getField());
    assertEquals("encoded bytes are empty", violation.getDescription());
  }

  @Test
  void embedImage_imageTheEncoderCannotDecode_givesBadRequestOfTheCallersIndex() throws Exception {
    visionEncoder.corrupt.add("bad");
    EmbedImageRequest request =
        oneImage().toBuilder().addImages(Image.newBuilder().setEncoded(utf8("bad"))).build();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> client.embedImage(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("images[1]: " + FakeVisionEncoder.CORRUPT_MESSAGE, e.getStatus().getDescription());
    BadRequest.FieldViolation violation = onlyViolation(e);
    assertEquals("images[1]", violation.getField());
    assertEquals(FakeVisionEncoder.CORRUPT_MESSAGE, violation.getDescription());
  }

  /** The one field violation of a status, read as any gRPC client reads google.rpc details. */
  private static BadRequest.FieldViolation onlyViolation(StatusRuntimeException e)
      throws Exception {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    assertNotNull(details, "no google.rpc.Status details");
    assertEquals(1, details.getDetailsCount());
    BadRequest badRequest = details.getDetails(0).unpack(BadRequest.class);
    assertEquals(1, badRequest.getFieldViolationsCount());
    return badRequest.getFieldViolations(0);
  }

  private static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }

  @Test
  void embedImage_rawDataOfWrongLength_isInvalidArgumentNamingTheImage() {
    Image raw =
        Image.newBuilder()
            .setRaw(
                RawImage.newBuilder()
                    .setWidth(2)
                    .setHeight(2)
                    .setData(ByteString.copyFrom(new byte[11])))
            .build();

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> client.embedImage(EmbedImageRequest.newBuilder().addImages(raw).build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(
        "images[0]: raw data has 11 bytes, but 2x2 RGB8 needs 12", e.getStatus().getDescription());
  }

  @Test
  void embedImage_imageWithoutSource_isInvalidArgument() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                client.embedImage(
                    EmbedImageRequest.newBuilder().addImages(Image.getDefaultInstance()).build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("images[0]: "));
  }

  @Test
  void embedImage_emptyRequest_isInvalidArgument() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> client.embedImage(EmbedImageRequest.getDefaultInstance()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("images: "));
  }

  @Test
  void embedImage_overTheImageLimit_isResourceExhausted() {
    EmbedImageRequest request =
        oneImage().toBuilder()
            .addImages(oneImage().getImages(0))
            .addImages(oneImage().getImages(0))
            .build();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> client.embedImage(request));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals(
        "images: 3 images exceed the limit of 2 per request", e.getStatus().getDescription());
  }

  static Stream<Arguments> badGalleryCalls() {
    return Stream.of(
        Arguments.of(
            "Upsert without items",
            (Consumer<MultimodalBlockingStub>)
                c -> c.upsert(UpsertRequest.newBuilder().setCollection("shapes").build()),
            "items: at least one item is required"),
        Arguments.of(
            "Upsert of an item without content",
            (Consumer<MultimodalBlockingStub>)
                c ->
                    c.upsert(
                        UpsertRequest.newBuilder()
                            .setCollection("shapes")
                            .addItems(GalleryItem.newBuilder().setId("a"))
                            .build()),
            "items[0]: give an image, a text or an embedding"),
        Arguments.of(
            "Search without a query",
            (Consumer<MultimodalBlockingStub>)
                c -> c.search(SearchRequest.newBuilder().setCollection("shapes").build()),
            "text: give a text, an image or an embedding to search with"),
        Arguments.of(
            "Delete of neither ids nor the collection",
            (Consumer<MultimodalBlockingStub>)
                c -> c.delete(DeleteRequest.newBuilder().setCollection("shapes").build()),
            "ids: give the ids to delete, or set delete_collection"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badGalleryCalls")
  void galleryCall_badRequest_isInvalidArgumentBeforeAnyBackendCall(
      String name, Consumer<MultimodalBlockingStub> call, String description) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> call.accept(client));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(description, e.getStatus().getDescription());
  }

  @Test
  void health_reportsMultimodalServing() {
    ServingStatus status =
        HealthGrpc.newBlockingStub(gatewayChannel)
            .check(HealthCheckRequest.newBuilder().setService("mmserve.v1.Multimodal").build())
            .getStatus();

    assertEquals(ServingStatus.SERVING, status);
  }

  private static EmbedImageRequest oneImage() {
    return EmbedImageRequest.newBuilder()
        .addImages(Image.newBuilder().setEncoded(ByteString.copyFromUtf8("jpeg bytes")))
        .build();
  }
}
