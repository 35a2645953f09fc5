package io.mmserve.rollout;

import java.util.List;
import java.util.Objects;

/**
 * A version's probe set as its encoder serves it: labelled images and the candidate labels they are
 * classified among (see the pack format's {@code probes} section).
 *
 * @param promptTemplate the Classify prompt template, {@code {}} standing for the label
 * @param labels the candidate labels
 * @param images the labelled images, at least one
 */
public record LabelledProbes(String promptTemplate, List<String> labels, List<Probe> images) {
  public LabelledProbes {
    Objects.requireNonNull(promptTemplate, "promptTemplate");
    labels = List.copyOf(labels);
    images = List.copyOf(images);
  }

  /**
   * One image and its true label.
   *
   * @param file the image's name in the pack, for messages
   * @param encoded the image file's bytes; never modified
   */
  public record Probe(String file, byte[] encoded, String label) {}
}
