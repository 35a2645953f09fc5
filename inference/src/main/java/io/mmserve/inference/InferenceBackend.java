package io.mmserve.inference;

import java.util.Map;
import java.util.Set;

/**
 * Runs models on named tensors. Implementations: {@code OnnxRuntimeBackend} (in-process) and {@code
 * io.mmserve.triton.TritonBackend} (a KServe v2 gRPC client of Triton, in the triton-backend
 * module). Both use the tensor names of the model pack's manifest.
 *
 * <p>Implementations are thread-safe; {@link #infer} may be called concurrently. The creator owns
 * the backend and closes it once, after the last call.
 */
public interface InferenceBackend extends AutoCloseable {

  /**
   * Runs one batch through a model.
   *
   * @param model a name from {@link #models()}
   * @param inputs every input the model declares, by name
   * @return every output the model declares, by name
   * @throws io.mmserve.kit.errors.ModelNotFoundException if the backend does not serve {@code
   *     model}
   * @throws io.mmserve.kit.errors.BackendUnavailableException if a remote backend cannot be reached
   * @throws IllegalArgumentException if inputs are missing or do not fit the model's inputs
   */
  Map<String, Tensor> infer(String model, Map<String, Tensor> inputs);

  /** The names of the models this backend serves. */
  Set<String> models();

  /** Releases the backend's sessions or channels. */
  @Override
  void close();
}
