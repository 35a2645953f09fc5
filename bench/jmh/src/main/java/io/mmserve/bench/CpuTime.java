package io.mmserve.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counts the CPU time the benchmark thread spends per operation, reported by JMH as the secondary
 * results {@code cpuNanos} and {@code calls} per iteration. On a machine shared with other work,
 * CPU time per image is far steadier than wall-clock throughput (it leaves out the time the thread
 * waits for a core), so the comparison with PIL is reported both ways.
 *
 * <p>A benchmark calls {@link #start()} before and {@link #stop()} after its work; the two reads of
 * the thread's CPU clock cost about a microsecond, well under 0.1% of one preprocessed image.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CpuTime {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** CPU nanoseconds of the measured calls in this iteration. */
  public long cpuNanos;

  /** Measured calls in this iteration. */
  public long calls;

  private long startedAt;

  @Setup(Level.Iteration)
  public void reset() {
    cpuNanos = 0;
    calls = 0;
  }

  void start() {
    startedAt = THREADS.getCurrentThreadCpuTime();
  }

  void stop() {
    cpuNanos += THREADS.getCurrentThreadCpuTime() - startedAt;
    calls++;
  }
}
