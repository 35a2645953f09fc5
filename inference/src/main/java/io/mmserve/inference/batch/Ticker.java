package io.mmserve.inference.batch;

/** A source of monotonic nanoseconds; tests use a manual one. */
@FunctionalInterface
public interface Ticker {
  /** Nanoseconds from an arbitrary origin, as {@link System#nanoTime()}. */
  long nanoTime();

  /** The system's monotonic clock. */
  static Ticker system() {
    return System::nanoTime;
  }
}
