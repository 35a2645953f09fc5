package io.mmserve.rollout;

import java.util.Optional;

/**
 * What one reconcile of a ModelRollout decided, for the controller to write: first the spec (only
 * at promotion, with the action annotation removed in the same update), then the status.
 *
 * @param spec the new spec, when it changes (promotion makes the canary the stable version)
 * @param clearAction remove the {@link ModelRollout#ACTION_ANNOTATION} (it was acted on)
 */
public record Decision(Optional<RolloutSpec> spec, boolean clearAction, RolloutStatus status) {
  /** Whether the object itself (not only its status) must be updated. */
  public boolean updatesObject() {
    return spec.isPresent() || clearAction;
  }
}
