package io.mmserve.gateway.discovery;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.MultimodalGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A closed-loop EmbedText load on the gateway, as ghz makes one: {@code callers} threads, each
 * calling again as soon as its call is answered, until {@link #stop}, or at most {@value
 * #MAX_CALLS} calls. Every failure is kept (the first few with their status). Its threads are its
 * own and end with {@link #stop} or {@link #close}.
 */
final class EmbedTextLoad implements AutoCloseable {
  static final int MAX_CALLS = 200_000;
  private static final long DEADLINE_SECONDS = 20;

  private final Channel gateway;
  private final ExecutorService threads;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final List<String> failures = new ArrayList<>(); // guarded by itself

  EmbedTextLoad(Channel gateway, int callers) {
    this.gateway = gateway;
    this.threads = Executors.newFixedThreadPool(callers);
    for (int i = 0; i < callers; i++) {
      threads.execute(this::callUntilStopped);
    }
    threads.shutdown();
  }

  private void callUntilStopped() {
    var stub = MultimodalGrpc.newBlockingStub(gateway);
    for (int i = issued.getAndIncrement();
        running.get() && i < MAX_CALLS;
        i = issued.getAndIncrement()) {
      try {
        stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
            .embedText(EmbedTextRequest.newBuilder().addTexts("a red circle number " + i).build());
        answered.incrementAndGet();
      } catch (StatusRuntimeException e) {
        failed.incrementAndGet();
        synchronized (failures) {
          if (failures.size() < 10) {
            failures.add(e.getStatus().toString());
          }
        }
      }
    }
  }

  /** Calls answered so far. */
  int answered() {
    return answered.get();
  }

  /** Calls failed so far. */
  int failed() {
    return failed.get();
  }

  /** The first failures, for messages. */
  List<String> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  /**
   * Waits until {@code more} further calls have been answered (or have failed).
   *
   * @return false if {@code timeout} passed first
   */
  boolean awaitMore(int more, Duration timeout) throws InterruptedException {
    int until = answered() + failed() + more;
    long end = System.nanoTime() + timeout.toNanos();
    while (answered() + failed() < until) {
      if (System.nanoTime() - end > 0) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return true;
  }

  /** Lets every call in flight finish, and makes no more. */
  void stop(Duration timeout) throws InterruptedException {
    running.set(false);
    if (!threads.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError("the load's calls did not finish within " + timeout);
    }
  }

  String summary() {
    return answered() + " answered, " + failed() + " failed " + failures();
  }

  @Override
  public void close() {
    running.set(false);
    threads.shutdownNow();
  }
}
