package io.mmserve.triton;

/**
 * Triton cannot serve the models as the manifest declares them: it did not answer within the
 * start-up timeout, it has no such model or version, or a tensor's name, datatype or shape differs.
 * The message names the model, the tensor and the mismatch. A service exits when it sees one.
 */
public final class TritonStartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TritonStartupException(String message) {
    super(message);
  }

  public TritonStartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
