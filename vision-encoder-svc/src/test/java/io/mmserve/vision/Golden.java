package io.mmserve.vision;

import com.google.gson.JsonElement;
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
 * The bundled pack and its golden files (models/shapes-clip/reference/index.json), found by walking
 * up from the working directory to the repository root. Tests read whatever pack is there; no
 * number of it is written into a test.
 */
public final class Golden {
  public static final String PACK = "models/shapes-clip";

  /** One image of index.json's {@code images}, in index order. */
  public record Image(int index, String file, String pilMode, Path path, Path crop, Path pixels) {
    public byte[] bytes() {
      return read(path);
    }

    public String name() {
      return Path.of(file).getFileName().toString();
    }

    @Override
    public String toString() {
      return name();
    }
  }

  private Golden() {}

  /** The repository root: the first directory upwards that holds {@value #PACK}. */
  public static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isDirectory(dir.resolve(PACK))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("no " + PACK + " above " + Path.of("").toAbsolutePath());
  }

  public static Path packDir() {
    return repoRoot().resolve(PACK);
  }

  public static Path referenceDir() {
    return packDir().resolve("reference");
  }

  public static List<Image> images() {
    List<Image> images = new ArrayList<>();
    int i = 0;
    for (JsonElement e : index().getAsJsonArray("images")) {
      JsonObject o = e.getAsJsonObject();
      images.add(
          new Image(
              i++,
              o.get("file").getAsString(),
              o.get("pil_mode").getAsString(),
              referenceDir().resolve(o.get("file").getAsString()),
              referenceDir().resolve(o.get("crop_u8").getAsString()),
              referenceDir().resolve(o.get("pixels").getAsString())));
    }
    return images;
  }

  /** The first golden image whose file name ends with {@code suffix}. */
  public static Image image(String suffix) {
    return images().stream()
        .filter(img -> img.file().endsWith(suffix))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no golden image *" + suffix));
  }

  /** The array index.json lists under {@code arrays.<name>}. */
  public static Npy.Array array(String name) {
    Path file = referenceDir().resolve(index().getAsJsonObject("arrays").get(name).getAsString());
    return npy(file);
  }

  public static Npy.Array npy(Path file) {
    try {
      return Npy.read(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Row {@code row} of a float array of shape [N, ...]. */
  public static float[] row(Npy.Array array, int row) {
    float[] all = array.floats();
    int width = (int) (array.size() / array.shape()[0]);
    float[] out = new float[width];
    System.arraycopy(all, row * width, out, 0, width);
    return out;
  }

  private static JsonObject index() {
    String json = new String(read(referenceDir().resolve("index.json")), StandardCharsets.UTF_8);
    return JsonParser.parseString(json).getAsJsonObject();
  }

  public static byte[] read(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
