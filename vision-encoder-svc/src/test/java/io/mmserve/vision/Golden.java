package io.mmserve.vision;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference images of the bundled pack (index.json's {@code images}), with the files PIL made
 * from each; the pack itself and its arrays are {@link ReferencePack}'s.
 */
public final class Golden {
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

  public static List<Image> images() {
    Path reference = ReferencePack.referenceDir();
    List<Image> images = new ArrayList<>();
    int i = 0;
    for (JsonElement e : ReferencePack.index().getAsJsonArray("images")) {
      JsonObject o = e.getAsJsonObject();
      images.add(
          new Image(
              i++,
              o.get("file").getAsString(),
              o.get("pil_mode").getAsString(),
              reference.resolve(o.get("file").getAsString()),
              reference.resolve(o.get("crop_u8").getAsString()),
              reference.resolve(o.get("pixels").getAsString())));
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

  private static byte[] read(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
