package io.mmserve.bench;

import io.mmserve.testsupport.ReferencePack;
import java.nio.file.Path;

/**
 * Finds files of the checkout from wherever a benchmark runs (the root as {@link
 * ReferencePack#repoRoot()} finds it).
 */
final class RepoFiles {
  private RepoFiles() {}

  /** The bundled model pack. */
  static Path modelPack() {
    return ReferencePack.dir();
  }

  /** A file of {@code bench/data}. */
  static Path benchData(String name) {
    return ReferencePack.repoRoot().resolve("bench/data").resolve(name);
  }
}
