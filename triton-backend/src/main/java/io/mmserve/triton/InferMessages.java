package io.mmserve.triton;

import com.google.protobuf.ByteString;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.kserve.v2.ModelInferRequest;
import io.mmserve.kserve.v2.ModelInferRequest.InferInputTensor;
import io.mmserve.kserve.v2.ModelInferRequest.InferRequestedOutputTensor;
import io.mmserve.kserve.v2.ModelInferResponse;
import io.mmserve.kserve.v2.ModelInferResponse.InferOutputTensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds ModelInfer requests from tensors and reads tensors from the responses: raw contents in the
 * datatypes Triton declared at start-up, every output the manifest declares asked for by name.
 */
final class InferMessages {
  private InferMessages() {}

  /** A request for one batch: model name, version, id, inputs in the manifest's order. */
  static ModelInferRequest request(TritonModel model, List<Tensor> inputs, String id) {
    ModelInferRequest.Builder request =
        ModelInferRequest.newBuilder()
            .setModelName(model.tritonName())
            .setModelVersion(model.version())
            .setId(id);
    List<TensorSpec> specs = model.spec().inputs();
    for (int i = 0; i < specs.size(); i++) {
      Tensor tensor = inputs.get(i);
      WireType wire = model.inputTypes().get(i);
      InferInputTensor.Builder input =
          request.addInputsBuilder().setName(specs.get(i).name()).setDatatype(wire.protocolName());
      for (long dim : tensor.shape()) {
        input.addShape(dim);
      }
      ByteString raw;
      try {
        raw = RawContents.encode(tensor, wire);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "input '" + specs.get(i).name() + "' cannot be sent as " + wire + ": " + e.getMessage(),
            e);
      }
      request.addRawInputContents(raw);
    }
    for (TensorSpec output : model.spec().outputs()) {
      request.addOutputs(InferRequestedOutputTensor.newBuilder().setName(output.name()));
    }
    return request.build();
  }

  /**
   * The manifest's outputs from a response, converted to mmserve dtypes.
   *
   * @throws IllegalStateException if an output is missing, of an unsupported datatype or of a shape
   *     the manifest does not allow
   */
  static Map<String, Tensor> outputs(TritonModel model, ModelInferResponse response) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < response.getOutputsCount(); i++) {
      index.put(response.getOutputs(i).getName(), i);
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (TensorSpec spec : model.spec().outputs()) {
      Integer i = index.get(spec.name());
      if (i == null || i >= response.getRawOutputContentsCount()) {
        throw new IllegalStateException(
            "Triton model "
                + model.describe()
                + " returned no raw contents for output '"
                + spec.name()
                + "'");
      }
      InferOutputTensor output = response.getOutputs(i);
      WireType wire =
          WireType.fromProtocolName(output.getDatatype())
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "Triton model "
                              + model.describe()
                              + " returned output '"
                              + spec.name()
                              + "' as unsupported datatype "
                              + output.getDatatype()));
      long[] shape = output.getShapeList().stream().mapToLong(Long::longValue).toArray();
      Tensor tensor = RawContents.decode(wire, shape, response.getRawOutputContents(i));
      if (!spec.accepts(shape)) {
        throw new IllegalStateException(
            "Triton model "
                + model.describe()
                + " returned output '"
                + spec.name()
                + "' as "
                + tensor
                + ", but the manifest declares "
                + spec.shape());
      }
      out.put(spec.name(), tensor);
    }
    return out;
  }
}
