package io.mmserve.inference.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.inference.BackendModel;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.TextSpec;
import io.mmserve.inference.pack.VisionSpec;
import io.mmserve.testsupport.ReferencePack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bundled pack (models/shapes-clip) loads, and its encoder files agree with its manifest.
 * Fails, saying what is missing, when the checkout has no built pack: the pack is part of the
 * repository.
 */
class BundledPackTest {

  @Test
  void bundledPack_encodersMatchManifestAndRunABatch() {
    Path manifest = ReferencePack.dir().resolve(ModelPack.MANIFEST_FILE);
    assertTrue(
        Files.isRegularFile(manifest),
        () -> manifest + " is missing: build the bundled pack with models/build.sh");
    ModelPack pack = ModelPack.load(ReferencePack.dir());
    TextSpec text = pack.manifest().text().orElseThrow();
    VisionSpec vision = pack.manifest().vision().orElseThrow();
    int dim = pack.manifest().embeddingDim();

    try (OnnxRuntimeBackend backend =
        OnnxRuntimeBackend.open(
            OnnxRuntimeConfig.defaults(),
            List.of(
                BackendModel.of("text", text.encoder(), ModelPrecision.FP32),
                BackendModel.of("vision", vision.encoder(), ModelPrecision.FP32)))) {
      int l = text.contextLength();
      long[] ids = new long[2 * l];
      long[] mask = new long[2 * l];
      mask[0] = 1;
      mask[l] = 1;
      Map<String, Tensor> textOut =
          backend.infer(
              "text",
              Map.of(
                  text.encoder().inputs().get(0).name(), Tensor.ofLongs(ids, 2, l),
                  text.encoder().inputs().get(1).name(), Tensor.ofLongs(mask, 2, l)));
      int side = vision.crop().height();
      Map<String, Tensor> visionOut =
          backend.infer(
              "vision",
              Map.of(
                  vision.encoder().inputs().get(0).name(),
                  Tensor.ofFloats(new float[2 * 3 * side * side], 2, 3, side, side)));

      assertArrayEquals(
          new long[] {2, dim}, textOut.get(text.encoder().outputs().get(0).name()).shape());
      assertArrayEquals(
          new long[] {2, dim}, visionOut.get(vision.encoder().outputs().get(0).name()).shape());
      assertEquals(text.encoder().outputs().size(), textOut.size());
    }
  }
}
