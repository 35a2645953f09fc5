package io.mmserve.kit.errors;

/**
 * The caller cancelled the request (or went away) before the work was done; the work was abandoned.
 *
 * <p>Maps to gRPC status CANCELLED.
 */
public class CancelledException extends MmserveException {
  private static final long serialVersionUID = 1L;

  public CancelledException(String message) {
    super(message);
  }

  public CancelledException(String message, Throwable cause) {
    super(message, cause);
  }
}
