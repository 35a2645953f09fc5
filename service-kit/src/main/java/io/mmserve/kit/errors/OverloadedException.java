package io.mmserve.kit.errors;

import java.time.Duration;
import java.util.Optional;

/**
 * The server has no room for the work right now (a full queue, a concurrency limit). Retryable,
 * preferably after a back-off.
 *
 * <p>Maps to gRPC status UNAVAILABLE. When the exception carries a {@link #retryAfter()} hint,
 * {@link StatusMapper} sends it to the client in the {@value StatusMapper#RETRY_PUSHBACK_KEY}
 * trailer (milliseconds), which gRPC clients with a retry policy honour.
 */
public class OverloadedException extends MmserveException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  public OverloadedException(String message) {
    this(message, (Duration) null);
  }

  public OverloadedException(String message, Throwable cause) {
    super(message, cause);
    this.retryAfter = null;
  }

  /**
   * @param retryAfter how long the client should wait before trying again; null for no hint
   */
  public OverloadedException(String message, Duration retryAfter) {
    super(message);
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative, but was " + retryAfter);
    }
    this.retryAfter = retryAfter;
  }

  /** How long the client should wait before trying again, if the server gave a hint. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
