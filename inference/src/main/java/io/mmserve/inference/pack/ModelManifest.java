package io.mmserve.inference.pack;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A pack's model.json as validated records. Parse one with {@link ManifestParser}; load a whole
 * pack with {@link ModelPack#load}.
 *
 * @param formatVersion always {@value ManifestParser#FORMAT_VERSION} for now
 * @param name the pack name callers use ("shapes-clip")
 * @param version the pack version ("1.0.0")
 * @param embeddingDim size of text and image embeddings
 * @param logitScale multiplies cosine similarities into logits
 * @param text the text side, if the pack has one
 * @param vision the vision side, if the pack has one
 * @param fusion the fusion head, if the pack has one
 * @param probes the pack's probe set file ({@link ProbeSet}), if it has one
 */
public record ModelManifest(
    int formatVersion,
    String name,
    String version,
    int embeddingDim,
    double logitScale,
    Optional<TextSpec> text,
    Optional<VisionSpec> vision,
    Optional<FusionSpec> fusion,
    Optional<Path> probes) {
  public ModelManifest {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(vision, "vision");
    Objects.requireNonNull(fusion, "fusion");
    Objects.requireNonNull(probes, "probes");
  }

  /** A manifest without a probe set. */
  public ModelManifest(
      int formatVersion,
      String name,
      String version,
      int embeddingDim,
      double logitScale,
      Optional<TextSpec> text,
      Optional<VisionSpec> vision,
      Optional<FusionSpec> fusion) {
    this(
        formatVersion,
        name,
        version,
        embeddingDim,
        logitScale,
        text,
        vision,
        fusion,
        Optional.empty());
  }

  /** "name@version", the unique id of this pack. */
  public String id() {
    return name + "@" + version;
  }
}
