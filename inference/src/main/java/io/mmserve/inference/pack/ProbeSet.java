package io.mmserve.inference.pack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A pack's probe set: a few dozen labelled images and the candidate labels they are classified
 * among, which a canary rollout classifies through a version before each step ({@code
 * spec.analysis.minProbeAccuracy}). The manifest names its file ({@code "probes": {"file":
 * "probes/probes.json"}}), which reads:
 *
 * <pre>{@code
 * {"format_version": 1, "prompt_template": "a photo of a {}",
 *  "labels": ["red circle", "red square", ...],
 *  "images": [{"file": "00-red-circle.png", "label": "red circle"}, ...]}
 * }</pre>
 *
 * Image files are relative to the probe set file's folder and must stay inside the pack; each label
 * must be one of {@code labels}.
 *
 * @param promptTemplate the Classify prompt template, with {@code {}} where the label goes
 * @param labels the candidate labels, distinct, at least one
 * @param images the labelled images, at least one
 */
public record ProbeSet(String promptTemplate, List<String> labels, List<Probe> images) {
  /** The probe set format this reader reads. */
  public static final int FORMAT_VERSION = 1;

  /** The prompt template when the file sets none (the public API's default). */
  public static final String DEFAULT_PROMPT_TEMPLATE = "a photo of a {}";

  /** The most images a probe set may hold (they travel in one message). */
  public static final int MAX_IMAGES = 256;

  /** The largest probe image file. */
  public static final long MAX_IMAGE_BYTES = 1 << 20;

  public ProbeSet {
    Objects.requireNonNull(promptTemplate, "promptTemplate");
    labels = List.copyOf(labels);
    images = List.copyOf(images);
  }

  /**
   * One labelled image.
   *
   * @param file the image's file name as the probe set file writes it
   * @param label its true label, one of the set's labels
   * @param encoded the file's bytes (PNG, JPEG, ... as the vision encoder decodes them); not
   *     copied, never modified
   */
  public record Probe(String file, String label, byte[] encoded) {}

  /**
   * Reads and checks the probe set file a manifest names.
   *
   * @param file the probe set file; its images are named relative to its folder
   * @param packDir the pack's folder, which no image may leave
   * @throws ModelPackException naming the file, the field and the rule broken
   */
  public static ProbeSet read(Path file, Path packDir) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ModelPackException("probes.file: cannot read " + file + ": " + e, e);
    }
    try {
      return parse(json, file.toAbsolutePath().normalize().getParent(), packDir);
    } catch (ModelPackException e) {
      throw new ModelPackException(file + ": " + e.getMessage(), e);
    }
  }

  private static ProbeSet parse(String json, Path folder, Path packDir) {
    JsonSection s = JsonSection.document(json);
    int format = s.intAtLeast("format_version", 0);
    if (format != FORMAT_VERSION) {
      throw new ModelPackException(
          "format_version must be " + FORMAT_VERSION + ", but was " + format);
    }
    String template = s.optionalString("prompt_template").orElse(DEFAULT_PROMPT_TEMPLATE);
    if (!template.contains("{}")) {
      throw new ModelPackException(
          "prompt_template must contain {} where the label goes, but was \"" + template + "\"");
    }
    List<String> labels = s.strings("labels");
    if (labels.isEmpty()) {
      throw new ModelPackException("labels must list at least one label, but was []");
    }
    Set<String> distinct = new HashSet<>();
    for (int i = 0; i < labels.size(); i++) {
      if (!distinct.add(labels.get(i))) {
        throw new ModelPackException("labels[" + i + "] repeats \"" + labels.get(i) + "\"");
      }
    }
    List<JsonSection> items = s.sections("images");
    if (items.isEmpty() || items.size() > MAX_IMAGES) {
      throw new ModelPackException(
          "images must list 1 to " + MAX_IMAGES + " images, but lists " + items.size());
    }
    List<Probe> images = new ArrayList<>(items.size());
    for (JsonSection item : items) {
      images.add(probe(item, folder, packDir, distinct));
    }
    return new ProbeSet(template, labels, images);
  }

  private static Probe probe(JsonSection item, Path folder, Path packDir, Set<String> labels) {
    String label = item.string("label");
    if (!labels.contains(label)) {
      throw new ModelPackException(
          item.field("label") + " must be one of labels, but was \"" + label + "\"");
    }
    String name = item.string("file");
    Path file = item.file("file", folder, packDir);
    try {
      long size = Files.size(file);
      if (!Files.isRegularFile(file) || size > MAX_IMAGE_BYTES) {
        throw new ModelPackException(
            item.field("file")
                + " must name a file of at most "
                + MAX_IMAGE_BYTES
                + " bytes, but "
                + name
                + (Files.isRegularFile(file) ? " has " + size + " bytes" : " is not a file"));
      }
      return new Probe(name, label, Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ModelPackException(item.field("file") + ": cannot read " + name + ": " + e, e);
    }
  }
}
