package io.mmserve.rollout;

/**
 * Classifies a model pack's labelled probe set through one version and reports the accuracy, for
 * {@code spec.analysis.minProbeAccuracy} ({@link ClassifyProbeRunner} in the gateway). {@link
 * #NONE} when nothing is wired: a rollout that asks for a probe check then holds (inconclusive), it
 * never passes without the number.
 */
public interface ProbeRunner {
  /** Runs no probes: every accuracy is unknown. */
  ProbeRunner NONE = (model, version) -> ProbeAccuracy.unknown("no probe runner is configured");

  /**
   * The share of the probe set {@code model@version} classifies correctly, in [0, 1], or why it
   * could not be measured. Called on the controller's thread; may block for the probe calls, never
   * longer than the runner's timeout.
   */
  ProbeAccuracy accuracy(String model, String version);
}
