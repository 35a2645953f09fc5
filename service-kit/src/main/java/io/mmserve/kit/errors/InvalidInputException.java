package io.mmserve.kit.errors;

/**
 * The request or one of its items breaks a rule: empty, malformed, unsupported or inconsistent
 * input. The message names the item index and the rule.
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
}
