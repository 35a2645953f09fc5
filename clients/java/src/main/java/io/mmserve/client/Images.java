package io.mmserve.client;

import com.google.protobuf.ByteString;
import io.mmserve.api.v1.Image;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@link Image} messages from files and bytes; the server decodes them. */
public final class Images {
  private Images() {}

  /**
   * An encoded image with the bytes of {@code file} (JPEG, PNG, GIF, BMP, WebP, TIFF).
   *
   * @throws IOException if the file cannot be read or is a directory
   */
  public static Image file(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IOException(file + " is a directory");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return Image.newBuilder().setEncoded(ByteString.readFrom(in)).build();
    }
  }

  /** An encoded image with {@code bytes} (copied). */
  public static Image encoded(byte[] bytes) {
    return Image.newBuilder().setEncoded(ByteString.copyFrom(bytes)).build();
  }
}
