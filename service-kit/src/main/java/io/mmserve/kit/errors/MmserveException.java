package io.mmserve.kit.errors;

import java.util.Optional;

/**
 * Base of the domain exceptions that mmserve code throws. The message must be safe to show a
 * client: it names the item and the rule that was broken ("images[2]: 9000x9000 = 81000000 pixels
 * exceeds the limit of 40000000 pixels"), never internal details. {@link StatusMapper} turns each
 * subclass into its gRPC status; domain code never sees gRPC.
 *
 * <p>An exception about one field of the request carries it as a {@link FieldViolation}; its
 * message is then {@link FieldViolation#message()}, and the mapper also sends the violation as
 * structured details ({@link BadRequestDetails}).
 *
 * <p>Extend one of the concrete subclasses, not this class: the mapper knows only those.
 */
public abstract class MmserveException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final FieldViolation violation; // null when the error is about no one field

  MmserveException(String message) {
    super(message);
    this.violation = null;
  }

  MmserveException(String message, Throwable cause) {
    super(message, cause);
    this.violation = null;
  }

  MmserveException(FieldViolation violation, Throwable cause) {
    super(violation.message(), cause);
    this.violation = violation;
  }

  /** The field of the request that broke a rule, when the error is about one field. */
  public Optional<FieldViolation> violation() {
    return Optional.ofNullable(violation);
  }
}
