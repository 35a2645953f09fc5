package io.mmserve.inference.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.errors.BackendUnavailableException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RunGateTest {
  private final RunGate gate = new RunGate("model 'text' (text.onnx)");
  private final AtomicInteger releases = new AtomicInteger();

  @Test
  void close_waitsForTheRunInFlightBeforeFreeingTheSession() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    Thread run =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    gate.run(
                        () -> {
                          running.countDown();
                          await(finish);
                          return releases.get();
                        });
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                });
    running.await();
    Thread closer = Thread.ofPlatform().start(this::closeGate);
    awaitBlocked(closer);

    assertEquals(0, releases.get(), "the session was freed under a running call");
    finish.countDown();
    run.join();
    closer.join();
    assertEquals(1, releases.get());
  }

  @Test
  void run_afterClose_isUnavailableNamingTheSession() throws Exception {
    gate.close(releases::incrementAndGet);

    BackendUnavailableException e =
        assertThrows(BackendUnavailableException.class, () -> gate.run(() -> "never"));
    assertTrue(e.getMessage().startsWith("model 'text' (text.onnx) is closed"), e.getMessage());
  }

  @Test
  void close_freesTheSessionOnce() throws Exception {
    gate.close(releases::incrementAndGet);
    gate.close(releases::incrementAndGet);

    assertEquals(1, releases.get());
  }

  @Test
  void runs_enterTogether() throws Exception {
    CountDownLatch both = new CountDownLatch(2);
    Thread first = Thread.ofPlatform().start(() -> runUntil(both));
    runUntil(both); // would wait forever if runs excluded each other
    first.join();
    assertFalse(first.isAlive());
  }

  private void runUntil(CountDownLatch both) {
    try {
      gate.run(
          () -> {
            both.countDown();
            await(both);
            return null;
          });
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private void closeGate() {
    try {
      gate.close(releases::incrementAndGet);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * Polls until {@code thread} waits for the lock (it never gets it while the run is in flight).
   */
  private static void awaitBlocked(Thread thread) throws InterruptedException {
    while (thread.getState() != Thread.State.WAITING) {
      assertTrue(thread.isAlive(), "the closer ended while a run was in flight");
      Thread.sleep(1);
    }
  }
}
