package io.mmserve.kit.server;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A second way in to a service's gRPC services, beside the gRPC server (the gateway's HTTP/JSON
 * transcoding): {@link ServiceRunner} starts it before the gRPC server (whose health then says
 * SERVING only once this transport listens), begins its graceful stop at the same moment as the
 * gRPC server's, and waits for both.
 *
 * <p>Built by a service's {@link ServiceRunner.Assembly} and handed over in {@link ServiceParts};
 * the runner owns it from then on and closes it.
 */
public interface Transport extends AutoCloseable {
  /** Starts listening. */
  void start() throws IOException;

  /** What the start log line shows, such as {@code "HTTP on 127.0.0.1:8080"}. */
  String describe();

  /**
   * Refuses new requests and lets the ones in flight finish within the shutdown grace; returns at
   * once. Later calls return the same future.
   *
   * @return completes once the transport has stopped
   */
  CompletableFuture<Void> beginStop();

  /** {@link #beginStop()} and waits for it. */
  @Override
  default void close() {
    beginStop().join();
  }
}
