package io.mmserve.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds files of the checkout from wherever a benchmark runs: the repository root is the first
 * directory, walking up from the working directory, that holds {@code models/shapes-clip}.
 */
final class RepoFiles {
  private RepoFiles() {}

  /** The repository root. */
  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("models/shapes-clip"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "no models/shapes-clip in " + dir + " or above; run from inside the mmserve checkout");
  }

  /** The bundled model pack. */
  static Path modelPack() {
    return root().resolve("models/shapes-clip");
  }

  /** A file of {@code bench/data}. */
  static Path benchData(String name) {
    return root().resolve("bench/data").resolve(name);
  }
}
