package io.mmserve.kit.errors;

/**
 * The request names a thing that does not exist, such as a gallery collection. The message names
 * it.
 *
 * <p>Maps to gRPC status NOT_FOUND.
 */
public class NotFoundException extends MmserveException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(message);
  }

  /** About one field: the message is {@link FieldViolation#message()}. */
  public NotFoundException(FieldViolation violation) {
    super(violation, null);
  }
}
