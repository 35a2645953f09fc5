package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5 fault test: far more load than one text encoder can take (64 closed-loop callers) against
 * a gateway with a small batching queue and heap. The excess is shed at once with UNAVAILABLE and a
 * {@code grpc-retry-pushback-ms} trailer; every admitted call succeeds within its deadline; the
 * gateway stays up, healthy, and within its heap.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class OverloadIT {
  private static final int CALLERS = 64;
  private static final int CALLS = 6000;
  private static final int TEXTS_PER_CALL = 4;
  private static final long DEADLINE_SECONDS = 20;
  private static final long MAX_HEAP_BYTES = 256L << 20;

  /**
   * Heap plus the JVM's own memory (code, metaspace, threads, Netty's direct buffers): a gateway
   * whose queues or buffers grew without bound would exceed it.
   */
  private static final long MAX_RESIDENT_BYTES = 1L << 30;

  private static final Duration LOAD_WAIT = Duration.ofMinutes(4);

  @Test
  void loadAboveCapacity_excessIsShedAdmittedCallsSucceedGatewayStaysWithinItsHeap()
      throws Exception {
    try (FaultStack stack =
        FaultStack.start(
            "OverloadIT",
            1,
            "--jvm-option",
            "gateway=-Xmx256m",
            "--gateway-flag",
            "batching.text.max-queue-items=16",
            "--gateway-flag",
            "batching.text.max-in-flight=1")) {
      CallerLoad.Result result;
      double maxHeap = 0;
      long maxRss = 0;
      long gatewayPid = stack.stack().process("gateway").pid();
      try (CallerLoad load =
          new CallerLoad(
              CALLERS,
              CALLS,
              i ->
                  stack
                      .gateway()
                      .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                      .embedText(FaultStack.texts(i, TEXTS_PER_CALL)))) {
        for (int quarter = 1; quarter <= 4; quarter++) {
          assertTrue(load.awaitCompleted(CALLS * quarter / 4, LOAD_WAIT), stack::logTail);
          maxHeap = Math.max(maxHeap, heapBytes(stack));
          maxRss = Math.max(maxRss, residentBytes(gatewayPid));
        }
        assertTrue(load.await(LOAD_WAIT), stack::logTail);
        result = load.result();
      }

      System.out.printf(
          "OverloadIT: %s; gateway heap at most %.0f MiB of %d MiB, resident at most %d MiB%n",
          result.summary(), maxHeap / (1 << 20), MAX_HEAP_BYTES >> 20, maxRss >> 20);
      assertEquals(CALLS, result.calls());
      assertTrue(result.count(Status.Code.UNAVAILABLE) > 0, result::summary);
      assertEquals(
          result.count(Status.Code.UNAVAILABLE),
          result.withPushback(),
          () -> "every UNAVAILABLE should carry grpc-retry-pushback-ms: " + result.summary());
      assertTrue(result.count(Status.Code.OK) > 0, result::summary);
      assertEquals(
          Set.of(),
          Set.copyOf(
              result.codes().keySet().stream()
                  .filter(c -> c != Status.Code.OK && c != Status.Code.UNAVAILABLE)
                  .toList()),
          result::summary);
      assertTrue(stack.gatewayServing(), stack::logTail);
      stack
          .gateway()
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .embedText(FaultStack.texts(0, 1));
      assertTrue(maxRss <= MAX_RESIDENT_BYTES, "gateway resident set " + maxRss + " bytes");
      assertTrue(
          maxHeap > 0,
          "no jvm_memory_used_bytes{area=\"heap\"} on the gateway's /metrics (JvmMemoryMetrics"
              + " not bound?)");
      assertTrue(maxHeap <= MAX_HEAP_BYTES, "gateway heap " + maxHeap + " bytes");
    }
  }

  /**
   * The gateway's used heap, from its /metrics (jvm_memory_used_bytes{area="heap"}); 0 if absent.
   */
  private static double heapBytes(FaultStack stack) throws Exception {
    return stack.gatewayMetrics().sum("jvm_memory_used_bytes", Map.of("area", "heap"));
  }

  /** The resident set of a process (VmRSS in /proc/PID/status, Linux). */
  private static long residentBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }
}
