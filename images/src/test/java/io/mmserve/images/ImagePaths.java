package io.mmserve.images;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the image tests find the checkout, the base image and their own scratch folders. */
final class ImagePaths {
  private ImagePaths() {}

  /** The checkout's root (system property mmserve.root, set by the images module's POM). */
  static Path root() {
    return Path.of(required("mmserve.root")).toAbsolutePath();
  }

  /** The base image tarball the services' images were built on (images/base-image.sh made it). */
  static Path baseImage() {
    Path base = Path.of(required("mmserve.image.base")).toAbsolutePath();
    if (!Files.isRegularFile(base)) {
      throw new IllegalStateException(base + " is missing: run ./mvnw -Pimages package");
    }
    return base;
  }

  /** A scratch folder under this module's target/ (not created). */
  static Path scratch(String name) {
    return root().resolve("images/target").resolve(name);
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          "system property " + property + " is not set: run the tests through Maven");
    }
    return value;
  }
}
