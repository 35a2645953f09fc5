package io.mmserve.inference;

import io.mmserve.inference.pack.EncoderSpec;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.TensorSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A model as a backend serves it: the name callers use, its file, and the tensors the manifest
 * declares for it.
 *
 * @param name the name passed to {@link InferenceBackend#infer}, for example "shapes-clip/text"
 * @param file the model file (ONNX); a remote backend may ignore it
 * @param inputs the declared inputs, in the model's order
 * @param outputs the declared outputs; a backend returns exactly these
 */
public record BackendModel(
    String name, Path file, List<TensorSpec> inputs, List<TensorSpec> outputs) {
  public BackendModel {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** The model of an encoder section of a manifest, in the given precision. */
  public static BackendModel of(String name, EncoderSpec encoder, ModelPrecision precision) {
    return new BackendModel(name, encoder.file(precision), encoder.inputs(), encoder.outputs());
  }
}
