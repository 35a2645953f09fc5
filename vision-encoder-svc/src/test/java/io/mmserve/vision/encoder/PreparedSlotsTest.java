package io.mmserve.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.errors.BackendUnavailableException;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's bound. The hand-off executor is the test's queue of tasks, run when the test says,
 * so what runs on the preparation threads and what on the releasing (model) thread is visible.
 */
class PreparedSlotsTest {
  private final Queue<Runnable> handOffs = new ArrayDeque<>();
  private final PreparedSlots slots = new PreparedSlots(2, 12, handOffs::add);

  @Test
  void acquire_withinCapacity_leasesABufferAtOnce() {
    PreparedSlots.Lease lease = slots.acquire().join();

    assertEquals(12, lease.pixels().length);
    assertEquals(1, slots.leased());
    assertTrue(handOffs.isEmpty());
  }

  @Test
  void acquire_pastCapacity_waitsWithoutBlockingUntilALeaseIsGivenBack() {
    PreparedSlots.Lease first = slots.acquire().join();
    slots.acquire().join();

    CompletableFuture<PreparedSlots.Lease> third = slots.acquire();

    assertFalse(third.isDone(), "two prepared images already: the third waits");
    assertEquals(1, slots.waiting());
    first.release();
    assertFalse(third.isDone(), "handed to the preparation threads, not completed by the releaser");
    handOffs.remove().run();
    assertSame(first.pixels(), third.join().pixels(), "the buffer is reused");
    assertEquals(2, slots.leased());
  }

  @Test
  void release_handsBuffersToWaitersFirstComeFirstServed() {
    PreparedSlots.Lease a = slots.acquire().join();
    PreparedSlots.Lease b = slots.acquire().join();
    CompletableFuture<PreparedSlots.Lease> first = slots.acquire();
    CompletableFuture<PreparedSlots.Lease> second = slots.acquire();

    b.release();
    handOffs.remove().run();

    assertTrue(first.isDone());
    assertFalse(second.isDone());
    a.release();
    handOffs.remove().run();
    assertTrue(second.isDone());
  }

  @Test
  void release_twice_givesTheBufferBackOnce() {
    PreparedSlots.Lease lease = slots.acquire().join();
    slots.acquire().join();

    lease.release();
    lease.release();

    assertEquals(1, slots.leased());
    slots.acquire().join();
    assertFalse(slots.acquire().isDone(), "still only two buffers");
  }

  @Test
  void release_whenThePreparationThreadsAreShutDown_failsTheWaiterAsUnavailable() {
    Executor shutDown =
        task -> {
          throw new RejectedExecutionException("shut down");
        };
    PreparedSlots closing = new PreparedSlots(1, 12, shutDown);
    PreparedSlots.Lease lease = closing.acquire().join();
    CompletableFuture<PreparedSlots.Lease> waiter = closing.acquire();

    lease.release();

    CompletionException e = assertThrows(CompletionException.class, waiter::join);
    assertInstanceOf(BackendUnavailableException.class, e.getCause());
    assertEquals(0, closing.leased(), "the buffer went back to the pool");
  }

  @Test
  void new_zeroCapacity_isRefusedShowingTheValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new PreparedSlots(0, 12, Runnable::run));

    assertEquals("capacity must be at least 1, but was 0", e.getMessage());
  }
}
