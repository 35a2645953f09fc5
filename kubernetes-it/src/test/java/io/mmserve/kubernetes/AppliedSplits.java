package io.mmserve.kubernetes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version splits a real gateway applied to one model, in order, read from its log: its {@code
 * VersionRouter} prints {@code routing model M: stable S, canary C at P%} after each change took
 * effect. A thread ({@code applied-splits}) reads the stack's output every {@link #EVERY_MILLIS} ms
 * and notes when it first saw each line, so a request sent after {@link Applied#seen} was certainly
 * routed by that split (or a later one). {@link #close} stops the thread.
 */
final class AppliedSplits implements AutoCloseable {
  static final long EVERY_MILLIS = 100;

  private static final Pattern LINE =
      Pattern.compile("routing model (\\S+): stable (\\S+), canary (\\S+) at (\\d+)%");

  /**
   * One split the gateway applied.
   *
   * @param seen when this test first saw the gateway's line (after the split took effect)
   * @param canary the canary version, or "" for none
   */
  record Applied(Instant seen, String stable, String canary, int percent) {
    /** Whether {@code version} is this split's canary. */
    boolean isCanary(String version) {
      return !canary.isEmpty() && canary.equals(version);
    }

    @Override
    public String toString() {
      return stable + "/" + (canary.isEmpty() ? "-" : canary) + "@" + percent + "% seen " + seen;
    }
  }

  private final String model;
  private final Supplier<String> output;
  private final List<Applied> applied = new ArrayList<>(); // guarded by this
  private final ScheduledExecutorService reader =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "applied-splits");
            t.setDaemon(true);
            return t;
          });
  private int linesRead; // reader thread only

  /**
   * @param output what the stack printed so far (it only grows)
   */
  AppliedSplits(String model, Supplier<String> output) {
    this.model = model;
    this.output = output;
    reader.scheduleWithFixedDelay(this::read, 0, EVERY_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void read() {
    Instant now = Instant.now();
    String text = output.get();
    List<String> lines = text.lines().toList();
    // a last line without its newline may still grow: read it next time
    int complete = text.endsWith("\n") ? lines.size() : lines.size() - 1;
    for (int i = linesRead; i < complete; i++) {
      Matcher m = LINE.matcher(lines.get(i));
      if (m.find() && m.group(1).equals(model)) {
        String canary = m.group(3).equals("(none)") ? "" : m.group(3);
        synchronized (this) {
          applied.add(new Applied(now, m.group(2), canary, Integer.parseInt(m.group(4))));
        }
      }
    }
    linesRead = Math.max(linesRead, complete);
  }

  /** Every split applied so far, oldest first. */
  synchronized List<Applied> all() {
    return List.copyOf(applied);
  }

  /** The last split applied, or null before any. */
  synchronized Applied last() {
    return applied.isEmpty() ? null : applied.getLast();
  }

  @Override
  public void close() throws InterruptedException {
    reader.shutdownNow();
    reader.awaitTermination(5, TimeUnit.SECONDS);
  }
}
