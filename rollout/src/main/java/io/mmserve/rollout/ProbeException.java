package io.mmserve.rollout;

/** A probe set could not be fetched or classified; the message says what and why. */
public final class ProbeException extends Exception {
  private static final long serialVersionUID = 1L;

  public ProbeException(String message) {
    super(message);
  }

  public ProbeException(String message, Throwable cause) {
    super(message, cause);
  }
}
