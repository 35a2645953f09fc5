package io.mmserve.kubernetes;

import io.mmserve.kubernetes.AppliedSplits.Applied;
import io.mmserve.kubernetes.DrillLoad.Call;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The calls a gateway certainly routed by one split it applied: sent after the test saw the
 * gateway's line for it, and answered before the controller decided the next change (which the
 * gateway applies only later). Calls in flight across a change belong to no sample.
 *
 * @param calls the answered calls of this split, in any order
 */
record SplitSample(Applied split, List<Call> calls) {
  /**
   * One sample per applied split, in the order they were applied.
   *
   * @param applied the splits the gateway applied since the rollout was created, one per decision
   * @param decisions the rollout's decisions ({@link RolloutHistory#decisions}): the k-th made the
   *     gateway apply the k-th split
   * @throws AssertionError when there are not as many splits as decisions
   */
  static List<SplitSample> of(List<Applied> applied, List<Instant> decisions, List<Call> calls) {
    if (applied.size() != decisions.size()) {
      throw new AssertionError(
          applied.size()
              + " splits applied, but "
              + decisions.size()
              + " decisions: "
              + applied
              + " "
              + decisions);
    }
    List<SplitSample> samples = new ArrayList<>();
    for (int k = 0; k < applied.size(); k++) {
      Instant from = applied.get(k).seen();
      Instant until = k + 1 < decisions.size() ? decisions.get(k + 1) : Instant.MAX;
      samples.add(
          new SplitSample(
              applied.get(k),
              calls.stream()
                  .filter(c -> !c.sent().isBefore(from) && !c.done().isAfter(until))
                  .toList()));
    }
    return samples;
  }

  /** How many of the calls reported the split's canary version. */
  long canaryCount() {
    return calls.stream().filter(c -> split.isCanary(c.version())).count();
  }
}
