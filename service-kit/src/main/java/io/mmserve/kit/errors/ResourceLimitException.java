package io.mmserve.kit.errors;

/**
 * An input is larger than a configured limit (pixels, bytes, items). The message names the item,
 * its size and the limit; build it from a {@link FieldViolation} where the error is about one field
 * or item.
 *
 * <p>Maps to gRPC status RESOURCE_EXHAUSTED.
 */
public class ResourceLimitException extends MmserveException {
  private static final long serialVersionUID = 1L;

  public ResourceLimitException(String message) {
    super(message);
  }

  public ResourceLimitException(String message, Throwable cause) {
    super(message, cause);
  }

  /** About one field: the message is {@link FieldViolation#message()}. */
  public ResourceLimitException(FieldViolation violation) {
    super(violation, null);
  }

  /** About one field: the message is {@link FieldViolation#message()}. */
  public ResourceLimitException(FieldViolation violation, Throwable cause) {
    super(violation, cause);
  }
}
