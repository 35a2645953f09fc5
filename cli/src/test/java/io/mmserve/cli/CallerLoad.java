package io.mmserve.cli;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A closed-loop gRPC load for the fault tests: {@code callers} threads, each making blocking calls
 * one after another until {@code total} calls have been made, every outcome recorded. Starts on
 * construction; the threads are its own and end with the load or with {@link #close()}.
 */
final class CallerLoad implements AutoCloseable {
  /** The trailer in which the gateway tells a shed caller when to retry. */
  static final Metadata.Key<String> RETRY_PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  /** One call; throws {@link StatusRuntimeException} when the call fails. */
  @FunctionalInterface
  interface Call {
    void run(int index);
  }

  private final int total;
  private final Call call;
  private final ExecutorService threads;
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicInteger completed = new AtomicInteger();
  private final Object lock = new Object();
  private final Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
  private final List<Long> okNanos = new ArrayList<>();
  private final List<Long> unavailableNanos = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private int withPushback;

  CallerLoad(int callers, int total, Call call) {
    this.total = total;
    this.call = call;
    this.threads = Executors.newFixedThreadPool(callers);
    for (int i = 0; i < callers; i++) {
      threads.execute(this::callUntilDone);
    }
    threads.shutdown();
  }

  /** Calls completed so far, whatever their outcome. */
  int completed() {
    return completed.get();
  }

  /**
   * Waits until at least {@code n} calls have completed.
   *
   * @return false if {@code timeout} passed first
   */
  boolean awaitCompleted(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (completed.get() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }

  /**
   * Waits until every call has completed.
   *
   * @return false if {@code timeout} passed first
   */
  boolean await(Duration timeout) throws InterruptedException {
    return threads.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** A snapshot of the outcomes so far. */
  Result result() {
    synchronized (lock) {
      return new Result(
          new EnumMap<>(codes),
          sorted(okNanos),
          sorted(unavailableNanos),
          withPushback,
          List.copyOf(failures));
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }

  private static long[] sorted(List<Long> nanos) {
    return nanos.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  private void callUntilDone() {
    for (int i = issued.getAndIncrement();
        i < total && !Thread.currentThread().isInterrupted();
        i = issued.getAndIncrement()) {
      long start = System.nanoTime();
      Status.Code code = Status.Code.OK;
      String failure = null;
      boolean pushback = false;
      try {
        call.run(i);
      } catch (StatusRuntimeException e) {
        code = e.getStatus().getCode();
        failure = code + ": " + e.getStatus().getDescription();
        pushback = e.getTrailers() != null && e.getTrailers().get(RETRY_PUSHBACK) != null;
      }
      long nanos = System.nanoTime() - start;
      synchronized (lock) {
        codes.merge(code, 1, Integer::sum);
        if (code == Status.Code.OK) {
          okNanos.add(nanos);
        } else {
          if (code == Status.Code.UNAVAILABLE) {
            unavailableNanos.add(nanos);
          }
          if (failures.size() < 10) {
            failures.add(failure);
          }
        }
        if (pushback) {
          withPushback++;
        }
        completed.incrementAndGet();
        lock.notifyAll();
      }
    }
  }

  /**
   * What the load saw.
   *
   * @param codes calls by status code
   * @param okNanos latencies of the successful calls, sorted
   * @param unavailableNanos latencies of the calls that failed with UNAVAILABLE, sorted
   * @param withPushback failed calls whose trailers carried {@code grpc-retry-pushback-ms}
   * @param someFailures the first few failures' codes and descriptions
   */
  record Result(
      Map<Status.Code, Integer> codes,
      long[] okNanos,
      long[] unavailableNanos,
      int withPushback,
      List<String> someFailures) {
    int count(Status.Code code) {
      return codes.getOrDefault(code, 0);
    }

    int calls() {
      return codes.values().stream().mapToInt(Integer::intValue).sum();
    }

    double successRate() {
      return calls() == 0 ? 0 : (double) count(Status.Code.OK) / calls();
    }

    /** A latency quantile of the successful calls in milliseconds (nearest rank). */
    double okMillis(double quantile) {
      return millis(okNanos, quantile);
    }

    /** A latency quantile of the calls that failed with UNAVAILABLE in milliseconds. */
    double unavailableMillis(double quantile) {
      return millis(unavailableNanos, quantile);
    }

    private static double millis(long[] sortedNanos, double quantile) {
      if (sortedNanos.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.ceil(quantile * sortedNanos.length) - 1;
      return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank))] / 1e6;
    }

    /** The numbers a test prints to its log. */
    String summary() {
      return String.format(
          "%d calls, %s, success %.2f%%, ok p50 %.1f ms, p99 %.1f ms; unavailable p50 %.1f ms,"
              + " p99 %.1f ms; pushback trailers %d; first failures %s",
          calls(),
          codes,
          100 * successRate(),
          okMillis(0.50),
          okMillis(0.99),
          unavailableMillis(0.50),
          unavailableMillis(0.99),
          withPushback,
          someFailures);
    }
  }
}
