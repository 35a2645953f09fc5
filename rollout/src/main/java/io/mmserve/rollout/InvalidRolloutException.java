package io.mmserve.rollout;

/** A ModelRollout's spec breaks a rule; the message names the field, the rule and the value. */
public final class InvalidRolloutException extends Exception {
  public InvalidRolloutException(String message) {
    super(message);
  }
}
