package io.mmserve.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The image files of a folder, as {@code index} finds them: a file is an image when its extension
 * names an image format and its first bytes are that format's signature (so a text file called
 * {@code .png} is skipped, not sent). Which formats the gateway can decode is the vision encoder's
 * business; this list only keeps obvious non-images from being sent.
 */
final class ImageFiles {
  /** Image formats by file extension. */
  private static final Map<String, String> FORMATS =
      Map.of(
          "jpg", "JPEG",
          "jpeg", "JPEG",
          "png", "PNG",
          "gif", "GIF",
          "bmp", "BMP",
          "webp", "WebP",
          "tif", "TIFF",
          "tiff", "TIFF");

  private ImageFiles() {}

  /**
   * One file to index.
   *
   * @param file its absolute path
   * @param id its path relative to the folder, with {@code /} between names
   * @param bytes its size
   */
  record Found(Path file, String id, long bytes) {}

  /**
   * A file or folder left out, and why.
   *
   * @param id its path relative to the folder
   * @param reason a few words for the user
   */
  record Skipped(String id, String reason) {}

  /** What a scan found, each list in path order. */
  record Scan(List<Found> images, List<Skipped> skipped) {}

  /**
   * Lists {@code dir}'s image files, and with {@code recursive} those of its sub-folders.
   *
   * @throws IOException if the folder cannot be listed
   */
  static Scan scan(Path dir, boolean recursive) throws IOException {
    List<Path> entries;
    try (Stream<Path> walk = recursive ? Files.walk(dir) : Files.list(dir)) {
      entries = walk.filter(p -> !p.equals(dir)).sorted().toList();
    }
    List<Found> images = new ArrayList<>();
    List<Skipped> skipped = new ArrayList<>();
    for (Path entry : entries) {
      String id = id(dir, entry);
      if (Files.isDirectory(entry)) {
        if (!recursive) {
          skipped.add(new Skipped(id + "/", "a folder (add --recursive)"));
        }
        continue;
      }
      Optional<String> problem = problem(entry);
      if (problem.isPresent()) {
        skipped.add(new Skipped(id, problem.get()));
      } else {
        images.add(new Found(entry, id, Files.size(entry)));
      }
    }
    return new Scan(images, skipped);
  }

  /** Why {@code file} is not an image file to send, or empty if it is one. */
  static Optional<String> problem(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.of("not a regular file");
    }
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String format = dot < 0 ? null : FORMATS.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    if (format == null) {
      return Optional.of("not an image file name (jpg, jpeg, png, gif, bmp, webp, tif, tiff)");
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(12);
    } catch (IOException e) {
      return Optional.of("cannot read it: " + EmbedCommand.describe(e));
    }
    if (!hasSignature(format, head)) {
      return Optional.of("named like " + format + ", but its first bytes are not " + format);
    }
    return Optional.empty();
  }

  /** Whether {@code head} (a file's first bytes) starts like a {@code format} file. */
  static boolean hasSignature(String format, byte[] head) {
    return switch (format) {
      case "JPEG" -> startsWith(head, 0xFF, 0xD8, 0xFF);
      case "PNG" -> startsWith(head, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A);
      case "GIF" -> startsWith(head, 'G', 'I', 'F', '8');
      case "BMP" -> startsWith(head, 'B', 'M');
      case "WebP" ->
          startsWith(head, 'R', 'I', 'F', 'F')
              && head.length >= 12
              && Arrays.equals(Arrays.copyOfRange(head, 8, 12), new byte[] {'W', 'E', 'B', 'P'});
      case "TIFF" -> startsWith(head, 'I', 'I', 42, 0) || startsWith(head, 'M', 'M', 0, 42);
      default -> false;
    };
  }

  private static boolean startsWith(byte[] head, int... signature) {
    if (head.length < signature.length) {
      return false;
    }
    for (int i = 0; i < signature.length; i++) {
      if ((head[i] & 0xFF) != signature[i]) {
        return false;
      }
    }
    return true;
  }

  private static String id(Path dir, Path entry) {
    return dir.relativize(entry).toString().replace(entry.getFileSystem().getSeparator(), "/");
  }
}
