package io.mmserve.gateway.discovery;

import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.util.List;

/**
 * The EndpointSlices of one Service, kept up to date by a watch of the Kubernetes API and shared by
 * every resolver of a target of that Service ({@link SliceWatches}). Listeners are called on the
 * watch's own thread, one call at a time. Whoever opened it starts it once and closes it once.
 */
interface SliceWatch extends AutoCloseable {
  /** Starts listing and watching. */
  void start();

  /** Stops watching and every thread of the watch; listeners are not called after this returns. */
  @Override
  void close() throws InterruptedException;

  /**
   * Adds {@code listener}: it is called with the current slices at once if the watch has listed
   * them, and again after every change.
   */
  void addListener(Listener listener);

  /** Removes {@code listener}; it is not called after this returns. */
  void removeListener(Listener listener);

  /** What a watch tells its listeners. */
  interface Listener {
    /**
     * Every slice of the Service now: after the first complete list and after every change,
     * including relists. Never called because of an API error.
     */
    void onSlices(List<V1EndpointSlice> slices);

    /**
     * The API server could not be listed or watched (it is restarting, unreachable, or refuses the
     * credentials); the slices last given stay the best knowledge, and the watch keeps retrying.
     */
    void onError(String message);
  }
}
