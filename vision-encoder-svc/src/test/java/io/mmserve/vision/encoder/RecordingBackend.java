package io.mmserve.vision.encoder;

import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** Passes calls to a real backend and records the batch size of each. */
public final class RecordingBackend implements InferenceBackend {
  private final InferenceBackend delegate;
  private final List<Long> batchSizes = new CopyOnWriteArrayList<>();

  public RecordingBackend(InferenceBackend delegate) {
    this.delegate = delegate;
  }

  /** The leading dimension of the first input of each call, in call order. */
  public List<Long> batchSizes() {
    return List.copyOf(batchSizes);
  }

  @Override
  public Map<String, Tensor> infer(String model, Map<String, Tensor> inputs) {
    batchSizes.add(inputs.values().iterator().next().dim(0));
    return delegate.infer(model, inputs);
  }

  @Override
  public Set<String> models() {
    return delegate.models();
  }

  /** Leaves the delegate open: it is shared by the test class. */
  @Override
  public void close() {}
}
