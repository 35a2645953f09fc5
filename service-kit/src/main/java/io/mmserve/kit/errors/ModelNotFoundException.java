package io.mmserve.kit.errors;

/**
 * The request names a model that this server does not serve. The message lists the models it does
 * serve.
 *
 * <p>Maps to gRPC status INVALID_ARGUMENT (an unknown model name is bad input, per the public API).
 */
public class ModelNotFoundException extends MmserveException {
  private static final long serialVersionUID = 1L;

  public ModelNotFoundException(String message) {
    super(message);
  }

  public ModelNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
