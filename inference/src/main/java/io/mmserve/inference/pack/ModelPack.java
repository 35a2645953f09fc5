package io.mmserve.inference.pack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A model pack: a directory with a model.json and the files it names.
 *
 * @param dir the pack directory, absolute
 * @param manifest the parsed manifest; its paths are resolved against {@code dir}
 */
public record ModelPack(Path dir, ModelManifest manifest) {
  /** The manifest's file name inside a pack. */
  public static final String MANIFEST_FILE = "model.json";

  public ModelPack {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(manifest, "manifest");
  }

  /**
   * Reads and validates {@code dir/model.json}, and the probe set it names (the few small images
   * are read and checked too). Model files are not opened here.
   *
   * @throws ModelPackException naming the manifest file, the field and the bad value
   */
  public static ModelPack load(Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    Path file = absolute.resolve(MANIFEST_FILE);
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ModelPackException("cannot read " + file + ": " + e, e);
    }
    try {
      ModelPack pack = new ModelPack(absolute, ManifestParser.parse(json, absolute));
      pack.probeSet();
      return pack;
    } catch (ModelPackException e) {
      throw new ModelPackException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The pack's probe set, read from its files now; empty when the manifest names none.
   *
   * @throws ModelPackException naming the probe set file, the field and the rule broken
   */
  public Optional<ProbeSet> probeSet() {
    return manifest.probes().map(file -> ProbeSet.read(file, dir));
  }

  /** The pack's name. */
  public String name() {
    return manifest.name();
  }

  /** The pack's version. */
  public String version() {
    return manifest.version();
  }
}
