package io.mmserve.inference.pack;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An encoder's model files and tensors. Paths are resolved against the pack directory; their
 * existence is checked by whoever loads them.
 *
 * @param file the full-precision ONNX file
 * @param int8File the quantised ONNX file, if the pack has one
 * @param inputs declared inputs, in order
 * @param outputs declared outputs, in order
 */
public record EncoderSpec(
    Path file, Optional<Path> int8File, List<TensorSpec> inputs, List<TensorSpec> outputs) {
  public EncoderSpec {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(int8File, "int8File");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * The file for {@code precision}.
   *
   * @throws ModelPackException if INT8 is asked and the pack has no int8 file
   */
  public Path file(ModelPrecision precision) {
    if (precision == ModelPrecision.FP32) {
      return file;
    }
    return int8File.orElseThrow(
        () -> new ModelPackException("INT8 precision asked, but the encoder has no int8_file"));
  }

  /** The input named {@code name}. */
  public Optional<TensorSpec> input(String name) {
    return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The output named {@code name}. */
  public Optional<TensorSpec> output(String name) {
    return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
