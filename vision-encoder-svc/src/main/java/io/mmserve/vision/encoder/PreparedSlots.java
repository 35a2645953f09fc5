package io.mmserve.vision.encoder;

import io.mmserve.kit.errors.BackendUnavailableException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pixel buffers of prepared images, the vision pipeline's bound: at most {@code capacity}
 * images are normalised and not yet answered by the model at any time, each in a buffer of its own
 * ({@code 3 x S x S} floats). An image leases a buffer before it is normalised and gives it back
 * when its model call has answered (or it failed), so the preparation of the next batch runs while
 * the model runs the current one, and stops, holding no more memory, when the model falls behind.
 *
 * <p>{@link #acquire()} never blocks: when every buffer is leased, the caller's future completes
 * once one is given back, first come first served, and on {@code handOff} (the preparation
 * threads), never on the thread that gave it back (a model thread, which must go on to its next
 * call). Buffers are made as leases need them and then reused. Thread-safe.
 */
final class PreparedSlots {
  private final int capacity;
  private final int floatsPerImage;
  private final Executor handOff;
  private final ArrayDeque<float[]> free = new ArrayDeque<>(); // guarded by this
  private final ArrayDeque<CompletableFuture<Lease>> waiting = new ArrayDeque<>(); // by this
  private int made; // guarded by this

  /**
   * @param capacity most buffers leased at once
   * @param floatsPerImage the size of each buffer
   * @param handOff runs the completion of a waiting lease; when it refuses (shut down), the waiter
   *     fails with {@link BackendUnavailableException}
   */
  PreparedSlots(int capacity, int floatsPerImage, Executor handOff) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, but was " + capacity);
    }
    this.capacity = capacity;
    this.floatsPerImage = floatsPerImage;
    this.handOff = handOff;
  }

  /**
   * A lease of one buffer: completed at once when one is free, else once one is given back (on
   * {@code handOff}).
   */
  CompletableFuture<Lease> acquire() {
    float[] buffer;
    synchronized (this) {
      buffer = free.poll();
      if (buffer == null && made < capacity) {
        made++;
        buffer = new float[floatsPerImage];
      }
      if (buffer == null) {
        CompletableFuture<Lease> waiter = new CompletableFuture<>();
        waiting.add(waiter);
        return waiter;
      }
    }
    return CompletableFuture.completedFuture(new Lease(buffer));
  }

  int capacity() {
    return capacity;
  }

  /** Buffers leased now. */
  synchronized int leased() {
    return made - free.size();
  }

  /** Acquirers waiting for a buffer. */
  synchronized int waiting() {
    return waiting.size();
  }

  private void giveBack(float[] buffer) {
    CompletableFuture<Lease> next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        free.push(buffer);
        return;
      }
    }
    Lease lease = new Lease(buffer);
    try {
      handOff.execute(
          () -> {
            if (!next.complete(lease)) {
              lease.release();
            }
          });
    } catch (RejectedExecutionException e) {
      next.completeExceptionally(
          new BackendUnavailableException("vision encoder is shutting down", e));
      lease.release();
    }
  }

  /** One leased buffer; {@link #release()} gives it back, once, whoever calls it how often. */
  final class Lease {
    private final float[] pixels;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(float[] pixels) {
      this.pixels = pixels;
    }

    /** The buffer: one image's normalised pixels; not to be touched after {@link #release()}. */
    float[] pixels() {
      return pixels;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        giveBack(pixels);
      }
    }
  }
}
