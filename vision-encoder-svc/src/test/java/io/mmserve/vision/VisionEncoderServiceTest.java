package io.mmserve.vision;

import static io.mmserve.vision.Responses.assertRowClose;
import static io.mmserve.vision.Responses.assertStatus;
import static io.mmserve.vision.Responses.floats;
import static io.mmserve.vision.Responses.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.PixelFormat;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.tensor.v1.DataType;
import io.mmserve.tensor.v1.Tensor;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.vision.encoder.ImageEncoder;
import io.mmserve.vision.image.ImageDecoder;
import io.mmserve.vision.image.RgbImage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * EncodeImage as a client sees it, on the real bundled pack: responses, batching across callers,
 * and the isolation of a bad request. The error cases are in {@link VisionEncoderServiceErrorTest}.
 */
class VisionEncoderServiceTest {
  private static final double EMBEDDING_TOLERANCE = 1e-4;

  private static ModelPack pack;
  private static OnnxRuntimeBackend onnx;

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

  @Test
  void encodeImage_returnsReferenceEmbeddingsWithModelAndVersion() throws Exception {
    List<Golden.Image> images = List.of(Golden.image(".jpg"), Golden.image(".png"));
    EncodeImageResponse response;
    try (InProcessVisionServer server = new InProcessVisionServer(pack, onnx)) {
      response =
          server
              .stub()
              .encodeImage(
                  request(images.stream().map(i -> TestImages.encoded(i.bytes())).toList()));
    }

    assertEquals(pack.name(), response.getModel());
    assertEquals(pack.version(), response.getModelVersion());
    Npy.Array reference = ReferencePack.array("image_embeds");
    Tensor embeddings = response.getEmbeddings();
    assertEquals(DataType.FLOAT32, embeddings.getDtype());
    assertEquals(List.of(2L, reference.shape()[1]), embeddings.getShapeList());
    for (int i = 0; i < images.size(); i++) {
      assertRowClose(
          reference.floatRow(images.get(i).index()), floats(embeddings), i, EMBEDDING_TOLERANCE);
    }
    assertFalse(response.hasPatchFeatures(), "patch features were not asked for");
  }

  @Test
  void encodeImage_withIncludeFeatures_returnsReferencePatchFeatures() throws Exception {
    Golden.Image image = Golden.image(".jpg");
    EncodeImageResponse response;
    try (InProcessVisionServer server = new InProcessVisionServer(pack, onnx)) {
      response =
          server
              .stub()
              .encodeImage(
                  request(List.of(TestImages.encoded(image.bytes()))).toBuilder()
                      .setIncludeFeatures(true)
                      .build());
    }

    Npy.Array reference = ReferencePack.array("patch_features");
    Tensor patches = response.getPatchFeatures();
    assertEquals(DataType.FLOAT32, patches.getDtype());
    assertEquals(List.of(1L, reference.shape()[1], reference.shape()[2]), patches.getShapeList());
    assertRowClose(reference.floatRow(image.index()), floats(patches), 0, EMBEDDING_TOLERANCE);
  }

  @Test
  void encodeImage_rawPixels_equalTheEncodedFile() throws Exception {
    Golden.Image png = Golden.image(".png");
    RgbImage decoded = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decode(0, png.bytes());
    Image raw =
        TestImages.raw(decoded.width(), decoded.height(), PixelFormat.RGB8, decoded.pixels());
    EncodeImageResponse response;
    try (InProcessVisionServer server = new InProcessVisionServer(pack, onnx)) {
      response = server.stub().encodeImage(request(List.of(raw, TestImages.encoded(png.bytes()))));
    }

    float[] values = floats(response.getEmbeddings());
    float[] fromRaw = Arrays.copyOfRange(values, 0, values.length / 2);
    assertRowClose(fromRaw, values, 1, 0);
  }

  @Test
  void encodeImage_normalizeFalse_returnsModelOutputAsIs() throws Exception {
    Golden.Image image = Golden.image(".png");
    EncodeImageResponse response;
    try (InProcessVisionServer server = new InProcessVisionServer(pack, onnx)) {
      response =
          server
              .stub()
              .encodeImage(
                  request(List.of(TestImages.encoded(image.bytes()))).toBuilder()
                      .setNormalize(false)
                      .build());
    }

    assertRowClose(
        ReferencePack.array("image_embeds").floatRow(image.index()),
        floats(response.getEmbeddings()),
        0,
        EMBEDDING_TOLERANCE);
  }

  @Test
  void encodeImage_normalizeTrue_returnsUnitVectors() throws Exception {
    EncodeImageResponse response;
    try (InProcessVisionServer server = new InProcessVisionServer(pack, onnx)) {
      response = server.stub().encodeImage(request(List.of(TestImages.golden(".jpg"))));
    }

    double sum = 0;
    for (float v : floats(response.getEmbeddings())) {
      sum += (double) v * v;
    }
    assertEquals(1.0, Math.sqrt(sum), 1e-6);
  }

  @Test
  void encodeImage_concurrentCallers_shareOneModelCallAndGetTheirOwnRows() throws Exception {
    Golden.Image jpg = Golden.image(".jpg");
    Golden.Image png = Golden.image(".png");
    // The batcher calls the model only once three images are queued: two from A, one from B.
    try (InProcessVisionServer server =
        new InProcessVisionServer(pack, onnx, 3, Duration.ofSeconds(10))) {
      CompletableFuture<EncodeImageResponse> a =
          server.call(
              request(List.of(TestImages.encoded(jpg.bytes()), TestImages.encoded(png.bytes()))));
      CompletableFuture<EncodeImageResponse> b =
          server.call(request(List.of(TestImages.encoded(png.bytes()))));

      Npy.Array reference = ReferencePack.array("image_embeds");
      float[] aValues = floats(a.join().getEmbeddings());
      assertRowClose(reference.floatRow(jpg.index()), aValues, 0, EMBEDDING_TOLERANCE);
      assertRowClose(reference.floatRow(png.index()), aValues, 1, EMBEDDING_TOLERANCE);
      assertRowClose(
          reference.floatRow(png.index()),
          floats(b.join().getEmbeddings()),
          0,
          EMBEDDING_TOLERANCE);
      assertEquals(List.of(3L), server.backend.batchSizes());
    }
  }

  /**
   * A request with a bad image fails as a whole, naming the bad image: the API has no per-image
   * status (none travels inside a payload). A concurrent caller's request is not affected.
   */
  @Test
  void encodeImage_badImage_failsOnlyItsOwnRequest() throws Exception {
    Golden.Image png = Golden.image(".png");
    try (InProcessVisionServer server = new InProcessVisionServer(pack, onnx)) {
      CompletableFuture<EncodeImageResponse> bad =
          server.call(request(List.of(TestImages.golden(".jpg"), TestImages.truncatedJpeg())));
      CompletableFuture<EncodeImageResponse> good =
          server.call(request(List.of(TestImages.encoded(png.bytes()))));

      CompletionException e = assertThrows(CompletionException.class, bad::join);
      assertStatus(
          Status.Code.INVALID_ARGUMENT,
          "images[1]: ",
          assertInstanceOf(StatusRuntimeException.class, e.getCause()));
      assertRowClose(
          ReferencePack.array("image_embeds").floatRow(png.index()),
          floats(good.join().getEmbeddings()),
          0,
          EMBEDDING_TOLERANCE);
    }
  }
}
