package io.mmserve.inference.pack;

/**
 * A model pack cannot be used: its manifest is malformed or breaks a rule, or its files disagree
 * with the manifest. The message names the file, the field and the bad value. Thrown at start-up,
 * never for a request.
 */
public final class ModelPackException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelPackException(String message) {
    super(message);
  }

  public ModelPackException(String message, Throwable cause) {
    super(message, cause);
  }
}
