package io.mmserve.vision;

import static io.mmserve.vision.Responses.assertStatus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.encoder.v1.GetProbeSetRequest;
import io.mmserve.encoder.v1.GetProbeSetResponse;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelManifest;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.inference.pack.ProbeSet;
import io.mmserve.kit.errors.NotFoundException;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.vision.encoder.ImageEncoder;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code VisionEncoder/GetProbeSet}: the bundled pack's probe set, as its files hold it. */
class ProbeSetServiceTest {
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
  void getProbeSet_sendsThePacksLabelledImages() throws Exception {
    ProbeSet expected = pack.probeSet().orElseThrow();
    GetProbeSetResponse answer;
    try (InProcessVisionServer server = new InProcessVisionServer(pack, onnx)) {
      answer =
          server
              .stub()
              .getProbeSet(GetProbeSetRequest.newBuilder().setModel("shapes-clip@1.0.0").build());
    }

    assertEquals("shapes-clip", answer.getModel());
    assertEquals("1.0.0", answer.getModelVersion());
    assertEquals(expected.labels(), answer.getLabelsList());
    assertEquals("a photo of a {}", answer.getPromptTemplate());
    assertEquals(48, answer.getImagesCount());
    assertEquals("00-red-circle.png", answer.getImages(0).getFile());
    assertEquals("red circle", answer.getImages(0).getLabel());
    assertArrayEquals(
        Files.readAllBytes(ReferencePack.dir().resolve("probes/00-red-circle.png")),
        answer.getImages(0).getEncoded().toByteArray());
  }

  @Test
  void getProbeSet_ofAnUnknownVersion_namesTheServedModels() throws Exception {
    try (InProcessVisionServer server = new InProcessVisionServer(pack, onnx)) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  server
                      .stub()
                      .getProbeSet(
                          GetProbeSetRequest.newBuilder().setModel("shapes-clip@9.9.9").build()));

      assertStatus(
          Status.Code.INVALID_ARGUMENT,
          "unknown model 'shapes-clip@9.9.9'; this server serves shapes-clip@1.0.0",
          e);
    }
  }

  @Test
  void probeSets_ofAPackWithoutOne_isNotFoundNamingThePack() {
    ModelManifest m = pack.manifest();
    ModelPack bare =
        new ModelPack(
            pack.dir(),
            new ModelManifest(
                m.formatVersion(),
                m.name(),
                m.version(),
                m.embeddingDim(),
                m.logitScale(),
                m.text(),
                m.vision(),
                m.fusion()));

    NotFoundException e =
        assertThrows(
            NotFoundException.class,
            () -> new PackProbeSets(new ModelRegistry(List.of(bare))).get(""));

    assertEquals(
        "model shapes-clip@1.0.0 has no probe set (its model.json has no \"probes\" section)",
        e.getMessage());
  }
}
