package io.mmserve.triton.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.kserve.v2.DataType;
import io.mmserve.kserve.v2.ModelConfig;
import io.mmserve.kserve.v2.ModelInstanceGroup;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryGeneratorTest {
  private final ModelPack pack = ModelPack.load(ReferencePack.dir());
  private final ModelRepositoryGenerator generator =
      new ModelRepositoryGenerator(RepositoryOptions.defaults());

  @Test
  void write_givesEachEncoderAConfigThatParsesAsModelConfig(@TempDir Path repository)
      throws IOException {
    List<Path> models = generator.write(pack, repository);
    assertEquals(2, models.size());
    for (Path model : models) {
      ModelConfig.Builder parsed = ModelConfig.newBuilder();
      TextFormat.getParser()
          .merge(Files.readString(model.resolve(ModelRepositoryGenerator.CONFIG_FILE)), parsed);
      assertEquals(model.getFileName().toString(), parsed.getName());
      assertEquals("onnxruntime", parsed.getBackend());
      assertTrue(Files.size(model.resolve("1").resolve(ModelRepositoryGenerator.MODEL_FILE)) > 0);
    }
  }

  @Test
  void config_leavesTheBatchAxisOutAndBatchesDynamicallyOnGpu() {
    ModelConfig text = generator.configs(pack).get("text");
    List<TensorSpec> inputs = pack.manifest().text().orElseThrow().encoder().inputs();
    assertEquals(pack.manifest().name() + "-text", text.getName());
    assertEquals(RepositoryOptions.DEFAULT_MAX_BATCH_SIZE, text.getMaxBatchSize());
    assertEquals(inputs.size(), text.getInputCount());
    assertEquals(inputs.get(0).name(), text.getInput(0).getName());
    assertEquals(DataType.TYPE_INT64, text.getInput(0).getDataType());
    assertEquals(
        inputs.get(0).shape().subList(1, inputs.get(0).shape().size()),
        text.getInput(0).getDimsList());
    assertEquals(List.of(8, 16, 32), text.getDynamicBatching().getPreferredBatchSizeList());
    assertEquals(500, text.getDynamicBatching().getMaxQueueDelayMicroseconds());
    assertEquals(ModelInstanceGroup.Kind.KIND_GPU, text.getInstanceGroup(0).getKind());
    assertEquals(1, text.getVersionPolicy().getLatest().getNumVersions());
  }

  @Test
  void toText_writesTritonsTextFormat() {
    String text = ModelRepositoryGenerator.toText(generator.configs(pack).get("vision"));
    assertTrue(text.contains("backend: \"onnxruntime\""), text);
    assertTrue(text.contains("dynamic_batching {"), text);
    assertTrue(text.contains("kind: KIND_GPU"), text);
    assertTrue(text.contains("data_type: TYPE_FP32"), text);
  }
}
