package io.mmserve.vision;

import static io.mmserve.vision.InProcessVisionServer.MAX_IMAGE_BYTES;
import static io.mmserve.vision.InProcessVisionServer.MAX_ITEMS;
import static io.mmserve.vision.Responses.assertStatus;
import static io.mmserve.vision.Responses.describe;
import static io.mmserve.vision.Responses.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.PixelFormat;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.errors.BadRequestDetails;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.vision.encoder.ImageEncoder;
import io.mmserve.vision.image.ImageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad EncodeImage requests: each is INVALID_ARGUMENT, or RESOURCE_EXHAUSTED for a size, with a
 * description naming the image and the rule, and none reaches the model.
 */
class VisionEncoderServiceErrorTest {
  private static final Status.Code INVALID = Status.Code.INVALID_ARGUMENT;
  private static final Status.Code TOO_LARGE = Status.Code.RESOURCE_EXHAUSTED;

  private static ModelPack pack;
  private static OnnxRuntimeBackend onnx;

  private InProcessVisionServer server;

  @BeforeAll
  static void loadModel() {
    pack = ModelPack.load(ReferencePack.dir());
    onnx =
        OnnxRuntimeBackend.open(
            OnnxRuntimeConfig.defaults(),
            ImageEncoder.backendModels(new ModelRegistry(List.of(pack)), ModelPrecision.FP32));
  }

  @AfterAll
  static void closeModel() {
    onnx.close();
  }

  @BeforeEach
  void startServer() throws Exception {
    server = new InProcessVisionServer(pack, onnx);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  // ------------------------------------------------------------------ the whole request

  @Test
  void noImages_isInvalidArgument() {
    assertStatus(INVALID, "images: at least one image is required", failure(List.of()));
  }

  @Test
  void tooManyImages_isResourceExhaustedNamingTheLimit() {
    StatusRuntimeException e =
        failure(Collections.nCopies(MAX_ITEMS + 1, TestImages.golden(".png")));

    assertStatus(
        TOO_LARGE, "images: " + (MAX_ITEMS + 1) + " images exceed the limit of " + MAX_ITEMS, e);
  }

  @Test
  void unknownModel_isInvalidArgumentListingKnownModels() {
    StatusRuntimeException e =
        failure(
            request(List.of(TestImages.golden(".png"))).toBuilder()
                .setModel("no-such-model")
                .build());

    assertStatus(INVALID, "unknown model 'no-such-model'", e);
    assertTrue(e.getStatus().getDescription().contains(pack.manifest().id()), describe(e));
  }

  @Test
  void severalBadImages_namesTheFirstAndRunsNothing() {
    StatusRuntimeException e =
        failure(
            List.of(
                TestImages.golden(".jpg"),
                TestImages.encoded(new byte[] {1, 2, 3}),
                TestImages.encoded(new byte[0])));

    assertStatus(INVALID, "images[1]: not an image", e);
    assertEquals(List.of(), server.backend.batchSizes(), "no model call for a failed request");
  }

  @Test
  void badImage_namesItsFieldInBadRequestDetails() {
    StatusRuntimeException e =
        failure(List.of(TestImages.golden(".jpg"), TestImages.encoded(new byte[0])));

    assertEquals(
        List.of(FieldViolation.item("images", 1, "empty image data (0 bytes)")),
        BadRequestDetails.of(e));
  }

  // ------------------------------------------------------------------ one image

  @Test
  void imageWithoutSource_isInvalidArgument() {
    assertStatus(
        INVALID,
        "images[1]: no image given",
        failure(List.of(TestImages.golden(".png"), Image.getDefaultInstance())));
  }

  @Test
  void emptyBytes_isInvalidArgument() {
    assertStatus(
        INVALID, "images[0]: empty image data", failure(List.of(TestImages.encoded(new byte[0]))));
  }

  @Test
  void nonImageBytes_isInvalidArgument() {
    byte[] text = "hello, world".getBytes(StandardCharsets.US_ASCII);

    assertStatus(INVALID, "images[0]: not an image", failure(List.of(TestImages.encoded(text))));
  }

  @Test
  void truncatedJpeg_isInvalidArgument() {
    StatusRuntimeException e = failure(List.of(TestImages.truncatedJpeg()));

    assertStatus(INVALID, "images[0]: ", e);
    assertTrue(e.getStatus().getDescription().contains("truncated"), describe(e));
  }

  @Test
  void unsupportedFormat_isInvalidArgumentNamingIt() {
    assertStatus(
        INVALID,
        "images[0]: unsupported image format HEIF/HEIC",
        failure(List.of(TestImages.heic())));
  }

  @Test
  void zeroSizedPng_isInvalidArgument() {
    StatusRuntimeException e = failure(List.of(TestImages.pngClaiming(0, 64)));

    assertStatus(INVALID, "images[0]: ", e);
    assertTrue(e.getStatus().getDescription().contains("zero-sized"), describe(e));
  }

  @Test
  void zeroSizedRaw_isInvalidArgument() {
    assertStatus(
        INVALID,
        "images[0]: zero-sized image (0x4)",
        failure(List.of(TestImages.raw(0, 4, PixelFormat.RGB8, new byte[0]))));
  }

  @Test
  void overPixelLimit_isResourceExhaustedFromTheHeader() {
    StatusRuntimeException e = failure(List.of(TestImages.pngClaiming(9000, 9000)));

    assertEquals(TOO_LARGE, e.getStatus().getCode(), describe(e));
    assertEquals(
        "images[0]: 9000x9000 = 81000000 pixels exceeds the limit of "
            + ImageDecoder.DEFAULT_MAX_PIXELS
            + " pixels",
        e.getStatus().getDescription());
  }

  @Test
  void rawOverPixelLimitBeyondInt_isResourceExhausted() {
    StatusRuntimeException e =
        failure(List.of(TestImages.raw(-1, 2, PixelFormat.RGB8, new byte[6])));

    assertStatus(TOO_LARGE, "images[0]: 4294967295x2 pixels exceeds the limit", e);
  }

  @Test
  void overByteLimit_isResourceExhausted() {
    byte[] big = new byte[(int) MAX_IMAGE_BYTES + 1];
    StatusRuntimeException e = failure(List.of(TestImages.encoded(big)));

    assertEquals(TOO_LARGE, e.getStatus().getCode(), describe(e));
    assertEquals(
        "images[0]: "
            + big.length
            + " bytes exceed the limit of "
            + MAX_IMAGE_BYTES
            + " bytes per image",
        e.getStatus().getDescription());
  }

  @Test
  void rawLengthMismatch_isInvalidArgument() {
    assertStatus(
        INVALID,
        "images[0]: raw RGBA8 data has 12 bytes but 2x2x4 = 16 bytes are required",
        failure(List.of(TestImages.raw(2, 2, PixelFormat.RGBA8, new byte[12]))));
  }

  @Test
  void unknownPixelFormat_isInvalidArgument() {
    Image image =
        Image.newBuilder()
            .setRaw(
                io.mmserve.api.v1.RawImage.newBuilder()
                    .setWidth(1)
                    .setHeight(1)
                    .setFormatValue(99)
                    .setData(com.google.protobuf.ByteString.copyFrom(new byte[3])))
            .build();

    assertStatus(INVALID, "images[0]: unknown raw pixel format", failure(List.of(image)));
  }

  private StatusRuntimeException failure(List<Image> images) {
    return failure(request(images));
  }

  private StatusRuntimeException failure(EncodeImageRequest request) {
    return assertThrows(StatusRuntimeException.class, () -> server.stub().encodeImage(request));
  }
}
