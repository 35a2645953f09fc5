package io.mmserve.inference.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.inference.BackendModel;
import io.mmserve.inference.DType;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.TensorCodec;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.ModelNotFoundException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the tiny affine.onnx (y = 2x + 1, next_ids = ids + 1) made by make_affine.py. */
class OnnxRuntimeBackendTest {
  private static final TensorSpec X = new TensorSpec("x", DType.FLOAT32, List.of(-1L, 3L));
  private static final TensorSpec IDS = new TensorSpec("ids", DType.INT64, List.of(-1L, 3L));
  private static final TensorSpec Y = new TensorSpec("y", DType.FLOAT32, List.of(-1L, 3L));
  private static final TensorSpec NEXT_IDS =
      new TensorSpec("next_ids", DType.INT64, List.of(-1L, 3L));
  private static final OnnxRuntimeConfig CONFIG =
      new OnnxRuntimeConfig(1, 1, OnnxRuntimeConfig.Optimization.ALL);

  private OnnxRuntimeBackend backend;

  @BeforeEach
  void open() throws URISyntaxException {
    backend =
        OnnxRuntimeBackend.open(
            CONFIG,
            List.of(new BackendModel("affine", affine(), List.of(X, IDS), List.of(Y, NEXT_IDS))));
  }

  @AfterEach
  void close() {
    backend.close();
  }

  @Test
  void infer_computesEveryDeclaredOutputForABatch() {
    Map<String, Tensor> out =
        backend.infer(
            "affine",
            Map.of(
                "x", Tensor.ofFloats(new float[] {1, 2, 3, -1, 0, 0.5f}, 2, 3),
                "ids", Tensor.ofLongs(new long[] {5, 6, 7, 0, -1, 41}, 2, 3)));

    assertEquals(Set.of("y", "next_ids"), out.keySet());
    assertArrayEquals(new float[] {3, 5, 7, -1, 1, 2}, out.get("y").toFloatArray());
    assertArrayEquals(new long[] {2, 3}, out.get("y").shape());
    assertArrayEquals(new long[] {6, 7, 8, 1, 0, 42}, out.get("next_ids").toLongArray());
  }

  @Test
  void infer_afterClose_isUnavailableNamingTheModelInsteadOfReachingAFreedSession() {
    backend.close();

    BackendUnavailableException e =
        assertThrows(
            BackendUnavailableException.class,
            () ->
                backend.infer(
                    "affine",
                    Map.of(
                        "x", Tensor.ofFloats(new float[] {1, 2, 3}, 1, 3),
                        "ids", Tensor.ofLongs(new long[] {1, 2, 3}, 1, 3))));
    assertTrue(e.getMessage().contains("model 'affine'"), e.getMessage());
    assertTrue(e.getMessage().contains("is closed"), e.getMessage());
  }

  @Test
  void infer_outputsOnTheHeap_soAMessageSharesThemWithExactValues() {
    float[] x = {Float.MIN_VALUE, -0.0f, 1e30f, -3.25f, 0.1f, 7};
    Map<String, Tensor> out =
        backend.infer(
            "affine",
            Map.of(
                "x",
                Tensor.ofFloats(x, 2, 3),
                "ids",
                Tensor.ofLongs(new long[] {Long.MAX_VALUE - 1, -1, 0, 1, 2, 3}, 2, 3)));

    io.mmserve.tensor.v1.Tensor message = TensorCodec.encode(out.get("y"));
    assertFalse(
        message.getData().asReadOnlyByteBuffer().isDirect(),
        "the message wraps a heap array, which gRPC writes without an intermediate copy");
    float[] expected = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      expected[i] = 2 * x[i] + 1;
    }
    assertArrayEquals(expected, TensorCodec.decode("y", message).toFloatArray());
    assertArrayEquals(
        new long[] {Long.MAX_VALUE, 0, 1, 2, 3, 4},
        TensorCodec.decode("next_ids", TensorCodec.encode(out.get("next_ids"))).toLongArray());
  }

  @Test
  void infer_acceptsAnyBatchSizeOnTheDynamicAxis() {
    Map<String, Tensor> out =
        backend.infer(
            "affine",
            Map.of(
                "x",
                Tensor.ofFloats(new float[3], 1, 3),
                "ids",
                Tensor.ofLongs(new long[3], 1, 3)));

    assertArrayEquals(new float[] {1, 1, 1}, out.get("y").toFloatArray());
  }

  @Test
  void infer_rejectsUnknownModelListingServedOnes() {
    ModelNotFoundException e =
        assertThrows(ModelNotFoundException.class, () -> backend.infer("nope", Map.of()));

    assertEquals("unknown model 'nope'; this backend serves [affine]", e.getMessage());
  }

  @Test
  void infer_rejectsMissingInput() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> backend.infer("affine", Map.of("x", Tensor.ofFloats(new float[3], 1, 3))));

    assertTrue(e.getMessage().endsWith("input 'ids' is missing"), e.getMessage());
  }

  @Test
  void infer_rejectsInputOfWrongShape() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                backend.infer(
                    "affine",
                    Map.of(
                        "x", Tensor.ofFloats(new float[4], 1, 4),
                        "ids", Tensor.ofLongs(new long[3], 1, 3))));

    assertTrue(
        e.getMessage()
            .endsWith("input 'x' must be float32 [-1, 3], but was Tensor[float32 [1, 4]]"),
        e.getMessage());
  }

  @Test
  void open_rejectsOutputTheModelDoesNotHave() throws URISyntaxException {
    TensorSpec embeds = new TensorSpec("text_embeds", DType.FLOAT32, List.of(-1L, 3L));
    BackendModel spec = new BackendModel("affine", affine(), List.of(X, IDS), List.of(embeds));

    ModelPackException e =
        assertThrows(
            ModelPackException.class, () -> OnnxRuntimeBackend.open(CONFIG, List.of(spec)));

    assertTrue(
        e.getMessage().contains("has no output 'text_embeds'; its outputs are"), e.getMessage());
  }

  @Test
  void open_rejectsInputTheManifestDoesNotDeclare() throws URISyntaxException {
    BackendModel spec = new BackendModel("affine", affine(), List.of(X), List.of(Y));

    ModelPackException e =
        assertThrows(
            ModelPackException.class, () -> OnnxRuntimeBackend.open(CONFIG, List.of(spec)));

    assertTrue(
        e.getMessage().endsWith("needs input 'ids', which the manifest does not declare"),
        e.getMessage());
  }

  @Test
  void open_rejectsDeclaredDtypeThatDiffers() throws URISyntaxException {
    TensorSpec floatIds = new TensorSpec("ids", DType.FLOAT32, List.of(-1L, 3L));
    BackendModel spec = new BackendModel("affine", affine(), List.of(X, floatIds), List.of(Y));

    ModelPackException e =
        assertThrows(
            ModelPackException.class, () -> OnnxRuntimeBackend.open(CONFIG, List.of(spec)));

    assertTrue(
        e.getMessage().contains("input 'ids' is INT64 [-1, 3], but the manifest declares float32"),
        e.getMessage());
  }

  @Test
  void open_rejectsMissingFileNamingIt() {
    Path missing = Path.of("/nonexistent/text_encoder.onnx");
    BackendModel spec = new BackendModel("text", missing, List.of(X), List.of(Y));

    ModelPackException e =
        assertThrows(
            ModelPackException.class, () -> OnnxRuntimeBackend.open(CONFIG, List.of(spec)));

    assertEquals("model 'text': file " + missing + " does not exist", e.getMessage());
  }

  private static Path affine() throws URISyntaxException {
    return Path.of(OnnxRuntimeBackendTest.class.getResource("/onnx/affine.onnx").toURI());
  }
}
