package io.mmserve.rollout;

import java.time.Duration;
import java.util.List;

/**
 * How a {@link ClassifyProbeRunner} classifies images through one version (the gateway's Classify).
 */
@FunctionalInterface
public interface ProbeClassifier {
  /**
   * The most probable of {@code labels} for each image, in order, classified by {@code pinned}
   * ({@code name@version}) within {@code timeout}. Blocks.
   *
   * @throws ProbeException naming the version and why the call failed
   */
  List<String> topLabels(
      String pinned,
      List<byte[]> images,
      List<String> labels,
      String promptTemplate,
      Duration timeout)
      throws ProbeException;
}
