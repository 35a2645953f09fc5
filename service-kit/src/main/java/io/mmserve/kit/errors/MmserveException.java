package io.mmserve.kit.errors;

/**
 * Base of the domain exceptions that mmserve code throws. The message must be safe to show a
 * client: it names the item and the rule that was broken ("images[2]: 9000x9000 = 81000000 pixels
 * exceeds the limit of 40000000 pixels"), never internal details. {@link StatusMapper} turns each
 * subclass into its gRPC status; domain code never sees gRPC.
 *
 * <p>Extend one of the concrete subclasses, not this class: the mapper knows only those.
 */
public abstract class MmserveException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  MmserveException(String message) {
    super(message);
  }

  MmserveException(String message, Throwable cause) {
    super(message, cause);
  }
}
