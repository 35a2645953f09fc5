package io.mmserve.kit.errors;

/**
 * The request or one of its items breaks a rule: empty, malformed, unsupported or inconsistent
 * input. The message names the item index and the rule; build it from a {@link FieldViolation}
 * where the error is about one field, so the client also gets it as structured details.
 *
 * <p>Maps to gRPC status INVALID_ARGUMENT.
 */
public class InvalidInputException extends MmserveException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }

  /** About one field: the message is {@link FieldViolation#message()}. */
  public InvalidInputException(FieldViolation violation) {
    super(violation, null);
  }

  /** About one field: the message is {@link FieldViolation#message()}. */
  public InvalidInputException(FieldViolation violation, Throwable cause) {
    super(violation, cause);
  }
}
