package io.mmserve.rollout;

import java.time.Duration;

/** Where a {@link ClassifyProbeRunner} gets a version's probe set (the vision encoder). */
@FunctionalInterface
public interface ProbeSetSource {
  /**
   * The probe set of {@code pinned} ({@code name@version}), within {@code timeout}. Blocks.
   *
   * @throws ProbeException naming the version and why there is none (no such version, a pack
   *     without probes, an unreachable encoder, the time ran out)
   */
  LabelledProbes fetch(String pinned, Duration timeout) throws ProbeException;
}
