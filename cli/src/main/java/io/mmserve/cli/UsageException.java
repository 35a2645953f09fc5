package io.mmserve.cli;

/** The command line is wrong; the message says how, and is printed with the usage (exit code 2). */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
