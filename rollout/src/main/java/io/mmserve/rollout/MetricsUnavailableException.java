package io.mmserve.rollout;

/** The metrics could not be read: Prometheus is unreachable, refused the query or answered junk. */
public final class MetricsUnavailableException extends Exception {
  public MetricsUnavailableException(String message) {
    super(message);
  }

  public MetricsUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
