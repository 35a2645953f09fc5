package io.mmserve.rollout;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the controller last wrote into a ModelRollout's {@code status}. The controller continues
 * from it after a restart or a change of leader, so it holds everything the step machine needs.
 *
 * @param canaryVersion the canary this status is about; a spec naming another canary starts over
 * @param canaryWeight the percentage of requests the canary takes now (0-100)
 * @param step the index into {@code spec.steps} of the current step; -1 before the first
 * @param stepStartedAt when the current step began (its interval counts from here)
 * @param observedGeneration the {@code metadata.generation} of the spec this status answers
 */
public record RolloutStatus(
    RolloutPhase phase,
    Optional<String> canaryVersion,
    int canaryWeight,
    int step,
    Optional<Instant> stepStartedAt,
    Optional<AnalysisResult> lastAnalysis,
    List<Condition> conditions,
    long observedGeneration) {
  public RolloutStatus {
    conditions = List.copyOf(conditions);
  }

  /** The status of a rollout the controller has not touched yet. */
  public static final RolloutStatus NONE =
      new RolloutStatus(
          RolloutPhase.Stable,
          Optional.empty(),
          0,
          -1,
          Optional.empty(),
          Optional.empty(),
          List.of(),
          0);

  /** The condition of {@code type}, if set. */
  public Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }

  /** {@code conditions} with {@code condition} set ({@link Condition#set}). */
  List<Condition> withCondition(Condition condition) {
    return Condition.set(conditions, condition);
  }
}
