package io.mmserve.rollout;

/** Where a ModelRollout stands ({@code status.phase}). */
public enum RolloutPhase {
  /** No canary is named: every request goes to the stable version. */
  Stable,
  /** The canary takes the current step's weight and the steps advance as the analysis passes. */
  Progressing,
  /** {@code spec.paused}: the weight holds; a failing analysis still rolls back. */
  Paused,
  /** The canary passed every step (or was promoted by hand) and is now the stable version. */
  Promoted,
  /** A check failed (or the rollout was aborted): the canary's weight is 0 until a new canary. */
  RolledBack;

  /** Whether the canary takes traffic in this phase. */
  public boolean canaryServes() {
    return this == Progressing || this == Paused;
  }
}
