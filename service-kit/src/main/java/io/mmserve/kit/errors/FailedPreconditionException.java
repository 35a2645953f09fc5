package io.mmserve.kit.errors;

/**
 * The request is well-formed but the system is not in a state that allows it: a gallery collection
 * holds embeddings of another model version than the request's. The message names both sides, so
 * the caller can tell what to change; retrying the same request does not help.
 *
 * <p>Maps to gRPC status FAILED_PRECONDITION.
 */
public class FailedPreconditionException extends MmserveException {
  private static final long serialVersionUID = 1L;

  public FailedPreconditionException(String message) {
    super(message);
  }

  /** About one field: the message is {@link FieldViolation#message()}. */
  public FailedPreconditionException(FieldViolation violation) {
    super(violation, null);
  }
}
