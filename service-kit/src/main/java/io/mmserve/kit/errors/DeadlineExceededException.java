package io.mmserve.kit.errors;

/**
 * The caller's deadline passed before the work was done; the work was abandoned.
 *
 * <p>Maps to gRPC status DEADLINE_EXCEEDED.
 */
public class DeadlineExceededException extends MmserveException {
  private static final long serialVersionUID = 1L;

  public DeadlineExceededException(String message) {
    super(message);
  }

  public DeadlineExceededException(String message, Throwable cause) {
    super(message, cause);
  }
}
