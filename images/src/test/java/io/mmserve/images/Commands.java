package io.mmserve.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Runs the system's tools (tar, the image scripts) and cleans up folders, for the image tests. */
final class Commands {
  private Commands() {}

  /**
   * Runs {@code command} in {@code dir} and waits for it.
   *
   * @return what it printed on stdout and stderr, together
   * @throws IllegalStateException naming the command, its exit status and its output, if it fails
   */
  static String run(Path dir, String... command) throws IOException, InterruptedException {
    return run(dir, Map.of(), List.of(command));
  }

  /** As {@link #run(Path, String...)}, with {@code environment} added to the inherited one. */
  static String run(Path dir, Map<String, String> environment, List<String> command)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile("mmserve-images-", ".out");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      builder.environment().putAll(environment);
      int exit = builder.start().waitFor();
      String text = Files.readString(output, StandardCharsets.UTF_8);
      if (exit != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " exited with " + exit + ":\n" + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** Deletes {@code dir} and everything in it, if it exists (symbolic links are not followed). */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** Whether this JVM runs as root (uid 0), which mounting and chroot need. */
  static boolean isRoot() throws IOException, InterruptedException {
    return run(Path.of("."), "id", "-u").strip().equals("0");
  }
}
