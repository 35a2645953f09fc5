package io.mmserve.gateway.discovery;

import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link SliceWatch} the test drives: it publishes slices and errors when told to. */
final class FakeSliceWatch implements SliceWatch {
  final List<Listener> listeners = new CopyOnWriteArrayList<>();
  volatile boolean started;
  volatile boolean closed;
  private volatile List<V1EndpointSlice> slices; // null until listed

  @Override
  public void start() {
    started = true;
  }

  @Override
  public void addListener(Listener listener) {
    listeners.add(listener);
    if (slices != null) {
      listener.onSlices(slices);
    }
  }

  @Override
  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  /** As an informer after a list or an event: every slice of the Service now. */
  void publish(V1EndpointSlice... now) {
    slices = List.of(now);
    listeners.forEach(l -> l.onSlices(slices));
  }

  void error(String message) {
    listeners.forEach(l -> l.onError(message));
  }

  @Override
  public void close() {
    closed = true;
    listeners.clear();
  }
}
