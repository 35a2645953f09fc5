package io.mmserve.inference.onnx;

import ai.onnxruntime.OrtException;
import io.mmserve.kit.errors.BackendUnavailableException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps a native session alive while calls run in it. Runs enter concurrently; {@link #close} waits
 * until the runs in flight have left, then frees the session once. A run that arrives after that
 * fails with {@link BackendUnavailableException} (UNAVAILABLE, so a caller retries another replica)
 * instead of reaching freed native memory, which would crash the whole process: a shutdown whose
 * batcher stopped waiting for a slow batch must not take the JVM down with it.
 */
final class RunGate {
  /** A call into the native session. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws OrtException;
  }

  /** Frees the native session. */
  @FunctionalInterface
  interface Release {
    void release() throws OrtException;
  }

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final String what;
  private boolean closed; // written under the write lock, read under either lock

  /** {@code what} names the session in errors, for example "model 'text' (text.onnx)". */
  RunGate(String what) {
    this.what = what;
  }

  /** Runs {@code call} unless the gate is closed; any number of calls run at once. */
  <T> T run(Call<T> call) throws OrtException {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new BackendUnavailableException(what + " is closed: the service is stopping");
      }
      return call.run();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Waits for the runs in flight, marks the gate closed and calls {@code release} once; later calls
   * do nothing. Runs on the closing thread.
   */
  void close(Release release) throws OrtException {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      release.release();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
