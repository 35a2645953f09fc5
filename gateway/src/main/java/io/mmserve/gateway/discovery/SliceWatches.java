package io.mmserve.gateway.discovery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link SliceWatch} per Service, shared by every resolver of a target of that Service and
 * counted: the first {@link #acquire} opens and starts it, the last {@link Lease#close} closes it.
 * Thread-safe.
 */
final class SliceWatches implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SliceWatches.class);

  /** Opens the (not yet started) watch of one Service. */
  @FunctionalInterface
  interface Opener {
    /**
     * @throws Exception if the Kubernetes API cannot be configured (no in-cluster credentials, a
     *     bad kubeconfig)
     */
    SliceWatch open(String service, String namespace) throws Exception;
  }

  private final Opener opener;
  private final Map<String, Shared> watches = new HashMap<>(); // guarded by this
  private boolean closed; // guarded by this

  SliceWatches(Opener opener) {
    this.opener = opener;
  }

  /**
   * The watch of {@code service} in {@code namespace}, opened and started if no one holds it.
   *
   * @return a lease the caller closes once when it no longer listens
   * @throws Exception what {@link Opener#open} threw
   * @throws IllegalStateException if this is closed
   */
  synchronized Lease acquire(String service, String namespace) throws Exception {
    if (closed) {
      throw new IllegalStateException("Kubernetes discovery is closed");
    }
    String key = service + "." + namespace;
    Shared shared = watches.get(key);
    if (shared == null) {
      SliceWatch watch = opener.open(service, namespace);
      watch.start();
      shared = new Shared(key, watch);
      watches.put(key, shared);
      log.info("discovery: watching the EndpointSlices of {}", key);
    }
    shared.holders++;
    return new Lease(shared);
  }

  /** Services watched now, for tests and metrics. */
  synchronized int watched() {
    return watches.size();
  }

  private void release(Shared shared) throws InterruptedException {
    synchronized (this) {
      if (--shared.holders > 0 || watches.get(shared.key) != shared) {
        return;
      }
      watches.remove(shared.key);
    }
    log.info("discovery: no longer watching the EndpointSlices of {}", shared.key);
    shared.watch.close();
  }

  /** Closes every watch still held. */
  @Override
  public void close() throws InterruptedException {
    List<Shared> open;
    synchronized (this) {
      closed = true;
      open = new ArrayList<>(watches.values());
      watches.clear();
    }
    for (Shared shared : open) {
      shared.watch.close();
    }
  }

  private static final class Shared {
    final String key;
    final SliceWatch watch;
    int holders; // guarded by SliceWatches.this

    Shared(String key, SliceWatch watch) {
      this.key = key;
      this.watch = watch;
    }
  }

  /** One holder's share of a watch. */
  final class Lease implements AutoCloseable {
    private final Shared shared;
    private boolean released; // guarded by SliceWatches.this

    private Lease(Shared shared) {
      this.shared = shared;
    }

    SliceWatch watch() {
      return shared.watch;
    }

    /** Gives the share back; the last one closes the watch (which may wait for its threads). */
    @Override
    public void close() throws InterruptedException {
      synchronized (SliceWatches.this) {
        if (released) {
          return;
        }
        released = true;
      }
      release(shared);
    }
  }
}
