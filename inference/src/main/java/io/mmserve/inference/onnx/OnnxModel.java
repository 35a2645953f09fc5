package io.mmserve.inference.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.mmserve.inference.BackendModel;
import io.mmserve.inference.DType;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session and the manifest's view of it. Construction checks that the model file
 * has every declared input and output with the declared dtype and rank. Thread-safe: runs go
 * through a {@link RunGate}, so {@link #close()} waits for the runs in flight before it frees the
 * native session, and a run after it fails cleanly.
 */
final class OnnxModel implements AutoCloseable {
  private final BackendModel spec;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final Set<String> outputNames;
  private final RunGate gate;

  OnnxModel(OrtEnvironment env, OrtSession session, BackendModel spec) {
    this.env = env;
    this.session = session;
    this.spec = spec;
    this.gate = new RunGate(describe());
    this.outputNames = new LinkedHashSet<>();
    spec.outputs().forEach(o -> outputNames.add(o.name()));
    try {
      checkAgainstManifest();
    } catch (OrtException | RuntimeException e) {
      try {
        session.close();
      } catch (OrtException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e instanceof ModelPackException mpe
          ? mpe
          : new ModelPackException(describe() + ": cannot read its inputs and outputs: " + e, e);
    }
  }

  Map<String, Tensor> run(Map<String, Tensor> inputs) throws OrtException {
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      for (TensorSpec input : spec.inputs()) {
        feeds.put(input.name(), toOnnx(input, inputs.get(input.name())));
      }
      return gate.run(() -> runSession(feeds));
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  private Map<String, Tensor> runSession(Map<String, OnnxTensor> feeds) throws OrtException {
    try (OrtSession.Result result = session.run(feeds, outputNames)) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (String name : outputNames) {
        OnnxValue value = result.get(name).orElseThrow();
        out.put(name, fromOnnx(name, (OnnxTensor) value));
      }
      return out;
    }
  }

  /** Waits for the runs in flight, then frees the session; runs after this are UNAVAILABLE. */
  @Override
  public void close() {
    try {
      gate.close(session::close);
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the session of " + describe(), e);
    }
  }

  private OnnxTensor toOnnx(TensorSpec input, Tensor tensor) throws OrtException {
    if (tensor == null) {
      throw new IllegalArgumentException(describe() + ": input '" + input.name() + "' is missing");
    }
    if (tensor.dtype() != input.dtype() || !input.accepts(tensor.shape())) {
      throw new IllegalArgumentException(
          describe()
              + ": input '"
              + input.name()
              + "' must be "
              + input.dtype()
              + " "
              + input.shape()
              + ", but was "
              + tensor);
    }
    // A direct little-endian buffer (the vision batch) ONNX Runtime reads in place on little-endian
    // hosts; a heap buffer (text ids) or another byte order it copies into native memory itself.
    ByteBuffer data = tensor.data();
    return switch (tensor.dtype()) {
      case FLOAT32 -> OnnxTensor.createTensor(env, data.asFloatBuffer(), tensor.shape());
      case INT64 -> OnnxTensor.createTensor(env, data.asLongBuffer(), tensor.shape());
    };
  }

  /**
   * The output as a tensor over one copy of ONNX Runtime's buffer, on the Java heap (where {@link
   * io.mmserve.inference.TensorCodec} can hand it to a message without another copy). On a
   * big-endian host the copy swaps the bytes to little-endian instead.
   */
  private Tensor fromOnnx(String name, OnnxTensor value) {
    TensorInfo info = value.getInfo();
    long[] shape = info.getShape();
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
        && (info.type == OnnxJavaType.FLOAT || info.type == OnnxJavaType.INT64)) {
      DType dtype = info.type == OnnxJavaType.FLOAT ? DType.FLOAT32 : DType.INT64;
      return Tensor.wrap(dtype, shape, value.getByteBuffer()); // getByteBuffer copies, once
    }
    int elements = Math.toIntExact(info.getNumElements());
    return switch (info.type) {
      case FLOAT -> {
        ByteBuffer out = littleEndian(elements * Float.BYTES);
        out.asFloatBuffer().put(value.getFloatBuffer());
        yield Tensor.wrap(DType.FLOAT32, shape, out);
      }
      case INT64 -> {
        ByteBuffer out = littleEndian(elements * Long.BYTES);
        out.asLongBuffer().put(value.getLongBuffer());
        yield Tensor.wrap(DType.INT64, shape, out);
      }
      default ->
          throw new IllegalStateException(
              describe() + ": output '" + name + "' has unsupported type " + info.type);
    };
  }

  private static ByteBuffer littleEndian(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private void checkAgainstManifest() throws OrtException {
    Map<String, NodeInfo> modelInputs = session.getInputInfo();
    Map<String, NodeInfo> modelOutputs = session.getOutputInfo();
    for (String name : modelInputs.keySet()) {
      if (spec.inputs().stream().noneMatch(i -> i.name().equals(name))) {
        throw mismatch("needs input '" + name + "', which the manifest does not declare");
      }
    }
    for (TensorSpec input : spec.inputs()) {
      check("input", input, modelInputs);
    }
    for (TensorSpec output : spec.outputs()) {
      check("output", output, modelOutputs);
    }
  }

  private void check(String kind, TensorSpec declared, Map<String, NodeInfo> actual) {
    NodeInfo node = actual.get(declared.name());
    if (node == null) {
      throw mismatch(
          "has no "
              + kind
              + " '"
              + declared.name()
              + "'; its "
              + kind
              + "s are "
              + actual.keySet());
    }
    if (!(node.getInfo() instanceof TensorInfo info)) {
      throw mismatch(kind + " '" + declared.name() + "' is not a tensor");
    }
    DType dtype = dtypeOf(info.type);
    long[] shape = info.getShape();
    boolean shapeFits = shape.length == declared.shape().size();
    for (int i = 0; shapeFits && i < shape.length; i++) {
      long want = declared.shape().get(i);
      shapeFits = want == TensorSpec.DYNAMIC || shape[i] < 0 || shape[i] == want;
    }
    if (dtype != declared.dtype() || !shapeFits) {
      throw mismatch(
          kind
              + " '"
              + declared.name()
              + "' is "
              + info.type
              + " "
              + Arrays.toString(shape)
              + ", but the manifest declares "
              + declared.dtype()
              + " "
              + declared.shape());
    }
  }

  private static DType dtypeOf(OnnxJavaType type) {
    return switch (type) {
      case FLOAT -> DType.FLOAT32;
      case INT64 -> DType.INT64;
      default -> null;
    };
  }

  private ModelPackException mismatch(String what) {
    return new ModelPackException(describe() + " " + what);
  }

  private String describe() {
    return "model '" + spec.name() + "' (" + spec.file() + ")";
  }
}
