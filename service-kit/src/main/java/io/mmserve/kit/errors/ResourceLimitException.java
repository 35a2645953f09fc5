package io.mmserve.kit.errors;

/**
 * An input is larger than a configured limit (pixels, bytes, items). The message names the item,
 * its size and the limit.
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
}
