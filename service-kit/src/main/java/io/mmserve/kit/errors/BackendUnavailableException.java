package io.mmserve.kit.errors;

/**
 * A backend this server depends on (an inference server, another mmserve service) cannot be reached
 * or is shutting down. Retryable.
 *
 * <p>Maps to gRPC status UNAVAILABLE.
 */
public class BackendUnavailableException extends MmserveException {
  private static final long serialVersionUID = 1L;

  public BackendUnavailableException(String message) {
    super(message);
  }

  public BackendUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
