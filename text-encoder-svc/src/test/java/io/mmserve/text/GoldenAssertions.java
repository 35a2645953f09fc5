package io.mmserve.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mmserve.inference.npy.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundled pack (models/shapes-clip) and its golden files, for tests. The repository root is
 * found by walking up from the working directory. Tests read whatever pack is there: no number of
 * the pack is written into a test.
 */
public final class ReferencePack {
  /** The tolerance the golden files state for embeddings and features. */
  public static final double EMBEDDING_TOLERANCE = 1e-4;

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

  /** The reference captions, in the order of the arrays' rows. */
  public static List<String> captions() {
    List<String> captions = new ArrayList<>();
    index().getAsJsonArray("captions").forEach(c -> captions.add(c.getAsString()));
    return captions;
  }

  /** The golden array listed under {@code name} in index.json ("input_ids", "text_embeds", ...). */
  public static Npy.Array array(String name) {
    String file = index().getAsJsonObject("arrays").get(name).getAsString();
    try {
      return Npy.read(dir().resolve("reference").resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Row {@code row} of a golden INT64 array whose rows hold {@code width} values. */
  public static long[] longRow(Npy.Array array, int row) {
    int width = (int) (array.size() / array.shape()[0]);
    long[] all = array.longs();
    long[] out = new long[width];
    System.arraycopy(all, row * width, out, 0, width);
    return out;
  }

  /** Row {@code row} of a golden FLOAT32 array, flattened. */
  public static float[] floatRow(Npy.Array array, int row) {
    int width = (int) (array.size() / array.shape()[0]);
    float[] all = array.floats();
    float[] out = new float[width];
    System.arraycopy(all, row * width, out, 0, width);
    return out;
  }

  /** Asserts that every value is within {@code tolerance} of the expected one. */
  public static void assertWithin(double tolerance, float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(expected[i] - actual[i]);
      if (!(diff <= tolerance)) {
        fail(what + "[" + i + "]: expected " + expected[i] + " but was " + actual[i]);
      }
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
