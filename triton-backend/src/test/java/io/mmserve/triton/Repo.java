package io.mmserve.triton;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the checkout's root: the first folder up from the working directory holding the pack. */
public final class Repo {
  private Repo() {}

  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("models/shapes-clip"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "no models/shapes-clip above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  public static Path pack() {
    return root().resolve("models/shapes-clip");
  }
}
