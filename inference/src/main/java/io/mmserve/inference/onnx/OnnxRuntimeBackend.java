package io.mmserve.inference.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.mmserve.inference.BackendModel;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.kit.errors.ModelNotFoundException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs ONNX models in-process with ONNX Runtime: one session per model, created at construction and
 * checked against the manifest, closed by {@link #close()}. Inputs are fed from direct
 * little-endian buffers without a copy. Thread-safe.
 */
public final class OnnxRuntimeBackend implements InferenceBackend {
  private static final Logger log = LoggerFactory.getLogger(OnnxRuntimeBackend.class);

  private final Map<String, OnnxModel> models;

  private OnnxRuntimeBackend(Map<String, OnnxModel> models) {
    this.models = models;
  }

  /**
   * Opens a session for each model.
   *
   * @throws ModelPackException if a file is missing or unreadable, or disagrees with the manifest
   */
  public static OnnxRuntimeBackend open(OnnxRuntimeConfig config, List<BackendModel> specs) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxModel> models = new LinkedHashMap<>();
    try {
      for (BackendModel spec : specs) {
        if (models.containsKey(spec.name())) {
          throw new ModelPackException("model '" + spec.name() + "' is given twice");
        }
        models.put(spec.name(), new OnnxModel(env, createSession(env, config, spec), spec));
        log.info("loaded model '{}' from {}", spec.name(), spec.file());
      }
    } catch (RuntimeException e) {
      closeAll(new ArrayList<>(models.values()));
      throw e;
    }
    return new OnnxRuntimeBackend(models);
  }

  @Override
  public Map<String, Tensor> infer(String model, Map<String, Tensor> inputs) {
    OnnxModel onnx = models.get(model);
    if (onnx == null) {
      throw new ModelNotFoundException(
          "unknown model '" + model + "'; this backend serves " + models.keySet());
    }
    try {
      return onnx.run(inputs);
    } catch (OrtException e) {
      throw new IllegalStateException("onnxruntime failed on model '" + model + "': " + e, e);
    }
  }

  @Override
  public Set<String> models() {
    return models.keySet();
  }

  @Override
  public void close() {
    closeAll(new ArrayList<>(models.values()));
  }

  private static OrtSession createSession(
      OrtEnvironment env, OnnxRuntimeConfig config, BackendModel spec) {
    if (!Files.isRegularFile(spec.file())) {
      throw new ModelPackException(
          "model '" + spec.name() + "': file " + spec.file() + " does not exist");
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      if (config.intraOpThreads() > 0) {
        options.setIntraOpNumThreads(config.intraOpThreads());
      }
      if (config.interOpThreads() > 0) {
        options.setInterOpNumThreads(config.interOpThreads());
      }
      options.setExecutionMode(ExecutionMode.SEQUENTIAL);
      String spinning = config.allowSpinning() ? "1" : "0";
      options.addConfigEntry("session.intra_op.allow_spinning", spinning);
      options.addConfigEntry("session.inter_op.allow_spinning", spinning);
      options.setOptimizationLevel(optLevel(config.optimization()));
      options.setCPUArenaAllocator(config.cpuArena());
      options.setMemoryPatternOptimization(config.memoryPattern());
      return env.createSession(spec.file().toString(), options);
    } catch (OrtException e) {
      throw new ModelPackException(
          "model '" + spec.name() + "': onnxruntime cannot load " + spec.file() + ": " + e, e);
    }
  }

  private static OptLevel optLevel(OnnxRuntimeConfig.Optimization optimization) {
    return switch (optimization) {
      case NONE -> OptLevel.NO_OPT;
      case BASIC -> OptLevel.BASIC_OPT;
      case EXTENDED -> OptLevel.EXTENDED_OPT;
      case ALL -> OptLevel.ALL_OPT;
    };
  }

  private static void closeAll(List<OnnxModel> models) {
    for (OnnxModel model : models) {
      try {
        model.close();
      } catch (RuntimeException e) {
        log.warn("failed to close a session", e);
      }
    }
  }
}
