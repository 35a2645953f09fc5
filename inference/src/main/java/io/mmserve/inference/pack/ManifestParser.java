package io.mmserve.inference.pack;

import io.mmserve.inference.DType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses and validates model.json. File names are resolved against the pack directory. Every
 * failure is a {@link ModelPackException} naming the field and the bad value, for example {@code
 * "vision.mean must have 3 numbers, but was [0.5,0.5]"}.
 */
public final class ManifestParser {
  /** The manifest format this parser reads. */
  public static final int FORMAT_VERSION = 1;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final int RGB = 3;

  private ManifestParser() {}

  /**
   * Parses a manifest.
   *
   * @param json the text of model.json
   * @param packDir the directory file names are relative to
   */
  public static ModelManifest parse(String json, Path packDir) {
    JsonSection m = JsonSection.document(json);
    int format = m.intAtLeast("format_version", 0);
    if (format != FORMAT_VERSION) {
      throw new ModelPackException(
          "format_version must be " + FORMAT_VERSION + ", but was " + format);
    }
    String name = m.string("name");
    if (!NAME.matcher(name).matches()) {
      throw new ModelPackException(
          "name must use letters, digits, '.', '_' and '-' only, but was \"" + name + "\"");
    }
    Optional<TextSpec> text = m.optionalSection("text").map(s -> text(s, packDir));
    Optional<VisionSpec> vision = m.optionalSection("vision").map(s -> vision(s, packDir));
    if (text.isEmpty() && vision.isEmpty()) {
      throw new ModelPackException("text and vision are both missing; a pack needs at least one");
    }
    return new ModelManifest(
        format,
        name,
        m.string("version"),
        m.intAtLeast("embedding_dim", 1),
        m.positiveDouble("logit_scale"),
        text,
        vision,
        m.optionalSection("fusion").map(s -> fusion(s, packDir)),
        m.optionalSection("probes").map(s -> s.file("file", packDir)));
  }

  private static TextSpec text(JsonSection s, Path dir) {
    int contextLength = s.intAtLeast("context_length", 1);
    return new TextSpec(
        s.file("tokenizer", dir),
        contextLength,
        s.intAtLeast("pad_id", 0),
        encoder(s.section("encoder"), dir),
        s.bool("dynamic_sequence", false),
        s.has("max_sequence_length")
            ? s.intAtLeast("max_sequence_length", contextLength)
            : contextLength);
  }

  private static VisionSpec vision(JsonSection s, Path dir) {
    JsonSection resize = s.section("resize");
    JsonSection crop = s.section("crop");
    List<Double> std = s.doubles("std", RGB);
    for (int i = 0; i < RGB; i++) {
      if (!(std.get(i) > 0)) {
        throw new ModelPackException(
            s.field("std") + "[" + i + "] must be > 0, but was " + std.get(i));
      }
    }
    return new VisionSpec(
        s.intAtLeast("image_size", 1),
        new VisionSpec.Resize(
            resize.intAtLeast("shortest_edge", 1),
            resize.string("interpolation").toLowerCase(Locale.ROOT),
            resize.bool("antialias", true)),
        new VisionSpec.Crop(
            crop.string("mode").toLowerCase(Locale.ROOT),
            crop.intAtLeast("height", 1),
            crop.intAtLeast("width", 1)),
        s.positiveDouble("rescale_factor"),
        s.doubles("mean", RGB),
        std,
        encoder(s.section("encoder"), dir));
  }

  private static FusionSpec fusion(JsonSection s, Path dir) {
    return new FusionSpec(
        s.file("weights", dir),
        s.optionalFile("file", dir),
        s.intAtLeast("dim", 1),
        s.intAtLeast("heads", 1),
        s.toMap());
  }

  private static EncoderSpec encoder(JsonSection s, Path dir) {
    return new EncoderSpec(
        s.file("file", dir),
        s.optionalFile("int8_file", dir),
        tensors(s, "inputs"),
        tensors(s, "outputs"));
  }

  private static List<TensorSpec> tensors(JsonSection s, String name) {
    List<JsonSection> items = s.sections(name);
    if (items.isEmpty()) {
      throw new ModelPackException(s.field(name) + " must list at least one tensor, but was []");
    }
    Set<String> seen = new HashSet<>();
    return items.stream().map(t -> tensor(t, seen)).toList();
  }

  private static TensorSpec tensor(JsonSection t, Set<String> seen) {
    String name = t.string("name");
    if (!seen.add(name)) {
      throw new ModelPackException(t.field("name") + " repeats \"" + name + "\"");
    }
    String dtypeName = t.string("dtype");
    DType dtype =
        DType.fromManifestName(dtypeName)
            .orElseThrow(
                () ->
                    new ModelPackException(
                        t.field("dtype")
                            + " must be one of "
                            + Arrays.toString(DType.values())
                            + ", but was \""
                            + dtypeName
                            + "\""));
    return new TensorSpec(name, dtype, t.dims("shape"));
  }
}
