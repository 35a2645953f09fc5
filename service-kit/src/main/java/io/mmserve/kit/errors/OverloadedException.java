package io.mmserve.kit.errors;

/**
 * The server has no room for the work right now (a full queue, a concurrency limit). Retryable,
 * preferably after a back-off.
 *
 * <p>Maps to gRPC status UNAVAILABLE.
 */
public class OverloadedException extends MmserveException {
  private static final long serialVersionUID = 1L;

  public OverloadedException(String message) {
    super(message);
  }

  public OverloadedException(String message, Throwable cause) {
    super(message, cause);
  }
}
