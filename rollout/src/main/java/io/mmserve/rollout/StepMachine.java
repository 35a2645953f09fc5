package io.mmserve.rollout;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The rollout's state machine: from a ModelRollout (spec and the status last written) and the time
 * now, decides the next status and whether the spec changes. Pure apart from the analysis it runs;
 * the caller writes the {@link Decision}. Rules:
 *
 * <ul>
 *   <li>a new canary version starts at step 0 (weight {@code steps[0]}), unless paused;
 *   <li>each reconcile analyses the canary; a failed check rolls back at once to weight 0 (also
 *       while paused);
 *   <li>when the step's interval has passed and the latest analysis passed, the next step starts;
 *       after the last step the canary is promoted: it becomes {@code spec.stableVersion}, no
 *       canary is left and the weight is 0;
 *   <li>an inconclusive analysis (not enough traffic, no metrics) holds the step;
 *   <li>the {@code promote} and {@code abort} actions apply at once; a rolled-back canary stays
 *       rolled back until the spec names another canary.
 * </ul>
 */
public final class StepMachine {
  private final CanaryAnalysis analysis;

  public StepMachine(CanaryAnalysis analysis) {
    this.analysis = analysis;
  }

  /** Decides what to write for {@code rollout} at {@code now}. */
  public Decision decide(ModelRollout rollout, Instant now) {
    RolloutSpec spec = rollout.spec();
    RolloutStatus status = rollout.status();
    Transition next = new Transition(rollout, now);
    boolean hasAction = rollout.action().isPresent();
    if (!spec.hasCanary()) {
      if (status.phase() == RolloutPhase.Promoted
          || (status.phase().canaryServes()
              && status.canaryVersion().equals(Optional.of(spec.stableVersion())))) {
        return next.promotedAlready(hasAction);
      }
      return next.stable(hasAction);
    }
    String canary = spec.canaryVersion().orElseThrow();
    if (!status.canaryVersion().equals(Optional.of(canary))) {
      return spec.paused() ? next.pausedBeforeStart(hasAction) : next.start(hasAction);
    }
    if (rollout.action().filter(ModelRollout.ABORT::equals).isPresent()) {
      return next.rollBack("Aborted", "aborted by hand", true);
    }
    if (rollout.action().filter(ModelRollout.PROMOTE::equals).isPresent()) {
      return next.promote("PromotedByHand", "promoted by hand");
    }
    if (status.phase() == RolloutPhase.RolledBack || status.phase() == RolloutPhase.Promoted) {
      return next.unchanged(hasAction);
    }
    if (status.step() < 0) {
      return spec.paused() ? next.pausedBeforeStart(hasAction) : next.start(hasAction);
    }
    AnalysisResult result = analysis.analyse(spec, canary, status.lastAnalysis(), now);
    next.analysed(result);
    if (result.failed()) {
      return next.rollBack(reasonFor(result.failedMetric()), result.message(), hasAction);
    }
    if (spec.paused()) {
      return next.hold(RolloutPhase.Paused, "Paused", "paused by spec.paused", hasAction);
    }
    boolean intervalPassed =
        status
            .stepStartedAt()
            .map(started -> !now.isBefore(started.plus(spec.stepInterval())))
            .orElse(true);
    if (result.passed() && intervalPassed) {
      return status.step() + 1 >= spec.steps().size()
          ? next.promote("AllStepsPassed", "every step passed its analysis")
          : next.advance(hasAction);
    }
    String reason = result.passed() ? "StepHeld" : "AnalysisInconclusive";
    return next.hold(RolloutPhase.Progressing, reason, result.message(), hasAction);
  }

  private static String reasonFor(String metric) {
    return switch (metric) {
      case "errorRatio" -> "ErrorRatioTooHigh";
      case "latencyRatio" -> "LatencyRatioTooHigh";
      case "probeAccuracy" -> "ProbeAccuracyTooLow";
      default -> "AnalysisFailed";
    };
  }

  /** Builds the next status from the current one. */
  private static final class Transition {
    private final ModelRollout rollout;
    private final RolloutSpec spec;
    private final RolloutStatus status;
    private final Instant now;
    private Optional<AnalysisResult> lastAnalysis;

    Transition(ModelRollout rollout, Instant now) {
      this.rollout = rollout;
      this.spec = rollout.spec();
      this.status = rollout.status();
      this.now = now;
      this.lastAnalysis = status.lastAnalysis();
    }

    void analysed(AnalysisResult result) {
      lastAnalysis = Optional.of(result);
    }

    Decision stable(boolean clearAction) {
      List<Condition> conditions =
          status.withCondition(
              Condition.of(
                  Condition.PROGRESSING,
                  false,
                  "NoCanary",
                  "no canary version: every request goes to " + spec.stableVersion(),
                  now));
      return decision(
          Optional.empty(),
          clearAction,
          RolloutPhase.Stable,
          status.canaryVersion(),
          0,
          -1,
          Optional.empty(),
          conditions);
    }

    Decision promotedAlready(boolean clearAction) {
      return decision(
          Optional.empty(),
          clearAction,
          RolloutPhase.Promoted,
          status.canaryVersion(),
          0,
          status.step(),
          status.stepStartedAt(),
          status.phase() == RolloutPhase.Promoted
              ? status.conditions()
              : promotedConditions("AllStepsPassed", "every step passed its analysis"));
    }

    Decision pausedBeforeStart(boolean clearAction) {
      List<Condition> conditions =
          status.withCondition(
              Condition.of(
                  Condition.PROGRESSING, false, "Paused", "paused before the first step", now));
      return decision(
          Optional.empty(),
          clearAction,
          RolloutPhase.Paused,
          spec.canaryVersion(),
          0,
          -1,
          Optional.empty(),
          conditions);
    }

    Decision start(boolean clearAction) {
      lastAnalysis = Optional.empty();
      List<Condition> conditions =
          Condition.set(
              without(status.conditions(), Condition.PROMOTED, Condition.ROLLED_BACK),
              Condition.of(
                  Condition.PROGRESSING, true, "StepStarted", stepMessage(0) + " started", now));
      return decision(
          Optional.empty(),
          clearAction,
          RolloutPhase.Progressing,
          spec.canaryVersion(),
          spec.steps().get(0),
          0,
          Optional.of(now),
          conditions);
    }

    Decision advance(boolean clearAction) {
      int step = status.step() + 1;
      List<Condition> conditions =
          status.withCondition(
              Condition.of(
                  Condition.PROGRESSING, true, "StepStarted", stepMessage(step) + " started", now));
      return decision(
          Optional.empty(),
          clearAction,
          RolloutPhase.Progressing,
          status.canaryVersion(),
          spec.steps().get(step),
          step,
          Optional.of(now),
          conditions);
    }

    Decision hold(RolloutPhase phase, String reason, String message, boolean clearAction) {
      List<Condition> conditions =
          status.withCondition(
              Condition.of(
                  Condition.PROGRESSING,
                  phase == RolloutPhase.Progressing,
                  reason,
                  stepMessage(status.step()) + ": " + message,
                  now));
      return decision(
          Optional.empty(),
          clearAction,
          phase,
          status.canaryVersion(),
          status.canaryWeight(),
          status.step(),
          status.stepStartedAt(),
          conditions);
    }

    Decision rollBack(String reason, String why, boolean clearAction) {
      String message =
          "canary "
              + spec.canaryVersion().orElse("?")
              + " rolled back to 0% at "
              + stepMessage(status.step())
              + ": "
              + why;
      List<Condition> conditions =
          status.withCondition(Condition.of(Condition.ROLLED_BACK, true, reason, message, now));
      conditions =
          Condition.set(
              conditions, Condition.of(Condition.PROGRESSING, false, reason, message, now));
      return decision(
          Optional.empty(),
          clearAction,
          RolloutPhase.RolledBack,
          status.canaryVersion(),
          0,
          status.step(),
          status.stepStartedAt(),
          conditions);
    }

    Decision promote(String reason, String why) {
      return decision(
          Optional.of(spec.promoted()),
          true,
          RolloutPhase.Promoted,
          spec.canaryVersion(),
          0,
          status.step(),
          status.stepStartedAt(),
          promotedConditions(reason, why));
    }

    Decision unchanged(boolean clearAction) {
      return decision(
          Optional.empty(),
          clearAction,
          status.phase(),
          status.canaryVersion(),
          status.canaryWeight(),
          status.step(),
          status.stepStartedAt(),
          status.conditions());
    }

    private List<Condition> promotedConditions(String reason, String why) {
      String version = status.canaryVersion().orElse(spec.stableVersion());
      String message = "canary " + version + " promoted to stable: " + why;
      List<Condition> conditions =
          status.withCondition(Condition.of(Condition.PROMOTED, true, reason, message, now));
      return Condition.set(
          conditions, Condition.of(Condition.PROGRESSING, false, "Promoted", message, now));
    }

    private String stepMessage(int step) {
      if (step < 0) {
        return "no step";
      }
      return String.format(
          Locale.ROOT,
          "step %d/%d (%d%%)",
          step + 1,
          spec.steps().size(),
          spec.steps().get(Math.min(step, spec.steps().size() - 1)));
    }

    private Decision decision(
        Optional<RolloutSpec> newSpec,
        boolean clearAction,
        RolloutPhase phase,
        Optional<String> canary,
        int weight,
        int step,
        Optional<Instant> stepStartedAt,
        List<Condition> conditions) {
      return new Decision(
          newSpec,
          clearAction,
          new RolloutStatus(
              phase,
              canary,
              weight,
              step,
              stepStartedAt,
              lastAnalysis,
              conditions,
              rollout.generation()));
    }

    private static List<Condition> without(List<Condition> conditions, String... types) {
      List<String> drop = List.of(types);
      return conditions.stream().filter(c -> !drop.contains(c.type())).toList();
    }
  }
}
