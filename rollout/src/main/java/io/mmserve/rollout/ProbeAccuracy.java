package io.mmserve.rollout;

import java.util.OptionalDouble;

/**
 * What a {@link ProbeRunner} measured.
 *
 * @param accuracy the share of probe images classified as labelled, in [0, 1]; empty when it could
 *     not be measured (which holds the rollout, never passes it)
 * @param detail how it was measured ("46 of 48 probe images") or why it could not be
 */
public record ProbeAccuracy(OptionalDouble accuracy, String detail) {
  /** A measured accuracy. */
  public static ProbeAccuracy measured(double accuracy, String detail) {
    return new ProbeAccuracy(OptionalDouble.of(accuracy), detail);
  }

  /** No accuracy, and why. */
  public static ProbeAccuracy unknown(String reason) {
    return new ProbeAccuracy(OptionalDouble.empty(), reason);
  }
}
