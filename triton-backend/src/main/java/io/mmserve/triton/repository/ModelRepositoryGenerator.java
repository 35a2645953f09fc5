package io.mmserve.triton.repository;

import com.google.protobuf.TextFormat;
import io.mmserve.inference.DType;
import io.mmserve.inference.pack.EncoderSpec;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.kserve.v2.DataType;
import io.mmserve.kserve.v2.ModelConfig;
import io.mmserve.kserve.v2.ModelDynamicBatching;
import io.mmserve.kserve.v2.ModelInput;
import io.mmserve.kserve.v2.ModelInstanceGroup;
import io.mmserve.kserve.v2.ModelOutput;
import io.mmserve.kserve.v2.ModelVersionPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a Triton model repository for a model pack: one model per encoder, named as the services
 * look it up ({@code PREFIX + pack name + "-text"} / {@code "-vision"}), each a folder with a
 * {@code config.pbtxt} (onnxruntime backend, max_batch_size, dynamic batching with preferred sizes
 * and a queue delay, an instance group, a latest-version policy) and {@code VERSION/model.onnx}.
 */
public final class ModelRepositoryGenerator {
  static final String CONFIG_FILE = "config.pbtxt";
  static final String MODEL_FILE = "model.onnx";

  private final RepositoryOptions options;

  public ModelRepositoryGenerator(RepositoryOptions options) {
    this.options = options;
  }

  /**
   * The Triton model names and configurations of the pack's encoders, by role ("text", "vision").
   */
  public Map<String, ModelConfig> configs(ModelPack pack) {
    Map<String, ModelConfig> configs = new LinkedHashMap<>();
    encoders(pack).forEach((role, encoder) -> configs.put(role, config(pack, role, encoder)));
    return configs;
  }

  /**
   * Writes the repository into {@code repository} (created if missing; existing model folders of
   * the same names are overwritten).
   *
   * @return the model folders written
   */
  public List<Path> write(ModelPack pack, Path repository) throws IOException {
    List<Path> written = new ArrayList<>();
    for (Map.Entry<String, EncoderSpec> entry : encoders(pack).entrySet()) {
      ModelConfig config = config(pack, entry.getKey(), entry.getValue());
      Path modelDir = repository.resolve(config.getName());
      Path versionDir = modelDir.resolve(Integer.toString(options.modelVersion()));
      Files.createDirectories(versionDir);
      Files.writeString(modelDir.resolve(CONFIG_FILE), toText(config), StandardCharsets.UTF_8);
      Files.copy(
          entry.getValue().file(options.precision()),
          versionDir.resolve(MODEL_FILE),
          StandardCopyOption.REPLACE_EXISTING);
      written.add(modelDir);
    }
    return written;
  }

  /** A configuration in Triton's text format (config.pbtxt). */
  public static String toText(ModelConfig config) {
    return TextFormat.printer().printToString(config);
  }

  /** The Triton model name of a pack's encoder. */
  public String modelName(ModelPack pack, String role) {
    return options.modelPrefix() + pack.manifest().name() + "-" + role;
  }

  ModelConfig config(ModelPack pack, String role, EncoderSpec encoder) {
    boolean batched = encoder.inputs().stream().allMatch(ModelRepositoryGenerator::hasBatchAxis);
    ModelConfig.Builder config =
        ModelConfig.newBuilder()
            .setName(modelName(pack, role))
            .setBackend("onnxruntime")
            .setDefaultModelFilename(MODEL_FILE)
            .setMaxBatchSize(batched ? options.maxBatchSize() : 0)
            .setVersionPolicy(
                ModelVersionPolicy.newBuilder()
                    .setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(1)))
            .addInstanceGroup(
                ModelInstanceGroup.newBuilder()
                    .setKind(options.instanceKind())
                    .setCount(options.instanceCount()));
    for (TensorSpec input : encoder.inputs()) {
      config.addInput(
          ModelInput.newBuilder()
              .setName(input.name())
              .setDataType(dataType(input.dtype()))
              .addAllDims(dims(input, batched)));
    }
    for (TensorSpec output : encoder.outputs()) {
      config.addOutput(
          ModelOutput.newBuilder()
              .setName(output.name())
              .setDataType(dataType(output.dtype()))
              .addAllDims(dims(output, batched)));
    }
    if (batched) {
      config.setDynamicBatching(
          ModelDynamicBatching.newBuilder()
              .addAllPreferredBatchSize(options.preferredBatchSizes())
              .setMaxQueueDelayMicroseconds(options.maxQueueDelayMicros()));
    }
    return config.build();
  }

  private static Map<String, EncoderSpec> encoders(ModelPack pack) {
    Map<String, EncoderSpec> encoders = new LinkedHashMap<>();
    pack.manifest().text().ifPresent(text -> encoders.put("text", text.encoder()));
    pack.manifest().vision().ifPresent(vision -> encoders.put("vision", vision.encoder()));
    return encoders;
  }

  private static boolean hasBatchAxis(TensorSpec tensor) {
    return !tensor.shape().isEmpty() && tensor.shape().get(0) == TensorSpec.DYNAMIC;
  }

  /** Triton's dims leave the batch axis out when max_batch_size > 0. */
  private static List<Long> dims(TensorSpec tensor, boolean batched) {
    return batched ? tensor.shape().subList(1, tensor.shape().size()) : tensor.shape();
  }

  private static DataType dataType(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> DataType.TYPE_FP32;
      case INT64 -> DataType.TYPE_INT64;
    };
  }
}
