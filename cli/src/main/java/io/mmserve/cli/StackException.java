package io.mmserve.cli;

/** The local stack cannot start or keep running; the message is for the user as it is. */
final class StackException extends Exception {
  private static final long serialVersionUID = 1L;

  StackException(String message) {
    super(message);
  }
}
