package io.mmserve.fusion;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mmserve.inference.npy.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bundled pack (models/shapes-clip) and its golden files, for tests. The repository root is
 * found by walking up from the working directory. Tests read whatever pack is there: no number of
 * the pack is written into a test.
 */
public final class ReferencePack {
  private static final Path PACK = Path.of("models", "shapes-clip");

  private ReferencePack() {}

  /** The pack directory, absolute. */
  public static Path dir() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isDirectory(dir.resolve(PACK))) {
        return dir.resolve(PACK);
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("no models/shapes-clip above " + Path.of("").toAbsolutePath());
  }

  /** The golden array listed under {@code name} in index.json's "arrays". */
  public static Npy.Array array(String name) {
    return read(index().getAsJsonObject("arrays").get(name).getAsString());
  }

  /** The cross-attention golden listed under {@code name} in index.json's cross_attention files. */
  public static Npy.Array crossAttention(String name) {
    return read(
        index()
            .getAsJsonObject("cross_attention")
            .getAsJsonObject("files")
            .get(name)
            .getAsString());
  }

  /** The number of heads of the cross-attention goldens. */
  public static int crossAttentionHeads() {
    return index().getAsJsonObject("cross_attention").get("heads").getAsInt();
  }

  private static Npy.Array read(String file) {
    try {
      return Npy.read(dir().resolve("reference").resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject index() {
    try {
      return JsonParser.parseString(
              Files.readString(dir().resolve("reference/index.json"), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
