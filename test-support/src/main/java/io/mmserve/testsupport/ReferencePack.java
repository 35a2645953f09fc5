package io.mmserve.testsupport;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundled model pack ({@value #PACK}) and its reference outputs ({@code reference/index.json}
 * and the {@code .npy} files it lists), for tests. The checkout is found by walking up from the
 * working directory, so a test works from any module folder; outside a checkout, or before the pack
 * is there, every method fails with what is missing. Tests read whatever pack is there: no number
 * of it is written into a test.
 */
public final class ReferencePack {
  /** The pack's folder, relative to the checkout's root. */
  public static final String PACK = "models/shapes-clip";

  private ReferencePack() {}

  /**
   * The checkout's root: the first folder up from the working directory that holds {@value #PACK}.
   *
   * @throws IllegalStateException naming the folder searched from, if there is none
   */
  public static Path repoRoot() {
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve(PACK))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no " + PACK + " in " + start + " or a folder above it: run the tests inside the checkout");
  }

  /** The pack's folder, absolute. */
  public static Path dir() {
    return repoRoot().resolve(PACK);
  }

  /** The folder of the reference outputs. */
  public static Path referenceDir() {
    return dir().resolve("reference");
  }

  /** {@code reference/index.json}. */
  public static JsonObject index() {
    Path file = referenceDir().resolve("index.json");
    try {
      return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** The reference array listed under {@code name} in index.json's "arrays". */
  public static Npy.Array array(String name) {
    return read(index().getAsJsonObject("arrays").get(name).getAsString());
  }

  /** The cross-attention reference listed under {@code name} in index.json's cross_attention. */
  public static Npy.Array crossAttention(String name) {
    return read(
        index()
            .getAsJsonObject("cross_attention")
            .getAsJsonObject("files")
            .get(name)
            .getAsString());
  }

  /** The number of heads of the cross-attention reference. */
  public static int crossAttentionHeads() {
    return index().getAsJsonObject("cross_attention").get("heads").getAsInt();
  }

  /** The reference captions, in the order of the text arrays' rows. */
  public static List<String> captions() {
    List<String> captions = new ArrayList<>();
    index().getAsJsonArray("captions").forEach(c -> captions.add(c.getAsString()));
    return captions;
  }

  /** An {@code .npy} file of the reference folder, by its path relative to it. */
  public static Npy.Array read(String file) {
    return read(referenceDir().resolve(file));
  }

  /** An {@code .npy} file. */
  public static Npy.Array read(Path file) {
    try {
      return Npy.read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
