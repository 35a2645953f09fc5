package io.mmserve.inference.pack;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code model.packs} setting every model-serving service shares: the pack directories to load,
 * comma-separated, resolved against the working directory.
 */
public final class PackDirectories {
  public static final String KEY = "model.packs";

  /** The bundled pack, relative to the working directory (the checkout, under ./mmserve up). */
  public static final String DEFAULT = "models/shapes-clip";

  private PackDirectories() {}

  /**
   * Reads the setting.
   *
   * @return absolute, normalised directories, at least one
   * @throws ConfigException if the setting names none; the message shows the value and its source
   */
  public static List<Path> from(Config config) {
    List<Path> packs =
        config.getList(KEY).stream().map(p -> Path.of(p).toAbsolutePath().normalize()).toList();
    if (packs.isEmpty()) {
      throw new ConfigException(
          KEY
              + " must name at least one pack directory, but was '"
              + config.find(KEY).orElse("")
              + "' (from "
              + config.sourceOf(KEY)
              + ")");
    }
    return packs;
  }
}
