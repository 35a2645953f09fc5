package io.mmserve.rollout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ProbeRunner} of the gateway: fetches the version's probe set ({@link ProbeSetSource},
 * the vision encoder's GetProbeSet of {@code model@version}), classifies every probe image through
 * the same version ({@link ProbeClassifier}, the gateway's Classify pinned to {@code
 * model@version}, so through that version's encoders and fusion) in calls of at most {@code
 * imagesPerCall} images, and returns the share whose most probable label is the true one. Logs one
 * line per measurement.
 *
 * <p>Everything must finish within {@code timeout}: the remaining time is each call's deadline. A
 * probe set that cannot be fetched, a failed call or the time running out give no accuracy (the
 * analysis is then inconclusive and the step holds): a failing canary is the error ratio's to
 * judge, the probes judge only the answers it gives. Called on the controller's thread; blocks.
 */
public final class ClassifyProbeRunner implements ProbeRunner {
  private static final Logger log = LoggerFactory.getLogger(ClassifyProbeRunner.class);

  private final ProbeSetSource source;
  private final ProbeClassifier classifier;
  private final Duration timeout;
  private final int imagesPerCall;
  private final LongSupplier nanoTime;

  /**
   * @param imagesPerCall the most images one Classify call may carry (the gateway's {@code
   *     limits.max-images}), at least 1
   * @param nanoTime the clock the timeout is measured with ({@code System::nanoTime})
   */
  public ClassifyProbeRunner(
      ProbeSetSource source,
      ProbeClassifier classifier,
      Duration timeout,
      int imagesPerCall,
      LongSupplier nanoTime) {
    if (imagesPerCall < 1) {
      throw new IllegalArgumentException(
          "imagesPerCall must be at least 1, but was " + imagesPerCall);
    }
    this.source = source;
    this.classifier = classifier;
    this.timeout = timeout;
    this.imagesPerCall = imagesPerCall;
    this.nanoTime = nanoTime;
  }

  @Override
  public ProbeAccuracy accuracy(String model, String version) {
    String pinned = model + "@" + version;
    long start = nanoTime.getAsLong();
    try {
      LabelledProbes probes = source.fetch(pinned, remaining(start));
      int right = 0;
      List<LabelledProbes.Probe> images = probes.images();
      for (int from = 0; from < images.size(); from += imagesPerCall) {
        List<LabelledProbes.Probe> chunk =
            images.subList(from, Math.min(images.size(), from + imagesPerCall));
        right += classified(pinned, probes, chunk, start);
      }
      int total = images.size();
      double accuracy = total == 0 ? 0 : (double) right / total;
      String detail = right + " of " + total + " probe images classified as labelled";
      log.info(
          String.format(
              Locale.ROOT,
              "rollout probes: %s: %s, accuracy %.4f, in %d ms",
              pinned,
              detail,
              accuracy,
              Duration.ofNanos(nanoTime.getAsLong() - start).toMillis()));
      return ProbeAccuracy.measured(accuracy, detail);
    } catch (ProbeException | RuntimeException e) {
      String reason = pinned + ": " + e.getMessage();
      log.warn("rollout probes: no accuracy of {}", reason);
      return ProbeAccuracy.unknown(reason);
    }
  }

  /** How many of {@code chunk} the version labels right. */
  private int classified(
      String pinned, LabelledProbes probes, List<LabelledProbes.Probe> chunk, long start)
      throws ProbeException {
    List<byte[]> encoded = new ArrayList<>(chunk.size());
    chunk.forEach(p -> encoded.add(p.encoded()));
    List<String> top =
        classifier.topLabels(
            pinned, encoded, probes.labels(), probes.promptTemplate(), remaining(start));
    if (top.size() != chunk.size()) {
      throw new ProbeException(
          "Classify answered " + top.size() + " classifications for " + chunk.size() + " images");
    }
    int right = 0;
    for (int i = 0; i < chunk.size(); i++) {
      right += top.get(i).equals(chunk.get(i).label()) ? 1 : 0;
    }
    return right;
  }

  private Duration remaining(long start) throws ProbeException {
    long left = timeout.toNanos() - (nanoTime.getAsLong() - start);
    if (left <= 0) {
      throw new ProbeException("the probe timeout of " + timeout + " ran out");
    }
    return Duration.ofNanos(left);
  }
}
