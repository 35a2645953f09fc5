package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kserve.v2.ModelConfig;
import io.mmserve.kserve.v2.ModelMetadataResponse;
import io.mmserve.kserve.v2.ModelMetadataResponse.TensorMetadata;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCheckTest {
  private static final ModelConfig CONFIG = ModelConfig.newBuilder().setMaxBatchSize(16).build();

  private static ModelMetadataResponse metadata(String inputType, String outputName) {
    return ModelMetadataResponse.newBuilder()
        .addInputs(
            TensorMetadata.newBuilder()
                .setName("ids")
                .setDatatype(inputType)
                .addShape(-1)
                .addShape(-1))
        .addOutputs(
            TensorMetadata.newBuilder()
                .setName(outputName)
                .setDatatype("FP16")
                .addShape(-1)
                .addShape(2))
        .build();
  }

  @Test
  void check_acceptsConvertibleDatatypesAndDynamicAxes() {
    TritonModel model =
        ModelCheck.check(TritonBackendTest.SPEC, "toy-text", "", metadata("INT32", "half"), CONFIG);
    assertEquals(List.of(WireType.INT32), model.inputTypes());
    assertEquals(Map.of("half", WireType.FP16), model.outputTypes());
    assertEquals(16, model.maxBatchSize());
  }

  @Test
  void check_namesEveryMismatchedTensor() {
    ModelMetadataResponse metadata =
        metadata("FP32", "halves").toBuilder()
            .addInputs(TensorMetadata.newBuilder().setName("extra").setDatatype("INT64"))
            .build();
    TritonStartupException e =
        assertThrows(
            TritonStartupException.class,
            () -> ModelCheck.check(TritonBackendTest.SPEC, "toy-text", "2", metadata, CONFIG));
    assertEquals(
        "Triton model 'toy-text' version 2 does not match the manifest of 'toy@1.0.0/text':"
            + " input 'ids': Triton's datatype FP32 does not carry the manifest's int64;"
            + " output 'half': Triton has no such output (it has [halves]);"
            + " input 'extra': Triton expects it, but the manifest does not declare it",
        e.getMessage());
  }

  @Test
  void check_withoutBatchingAllowsAnyBatch() {
    TritonModel model =
        ModelCheck.check(
            TritonBackendTest.SPEC,
            "toy-text",
            "",
            metadata("INT64", "half"),
            ModelConfig.getDefaultInstance());
    assertEquals(Integer.MAX_VALUE, model.maxBatchSize());
  }
}
