package io.mmserve.triton;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** The bundled pack's golden files (models/shapes-clip/reference/index.json). */
final class Golden {
  private Golden() {}

  static JsonObject index() {
    try {
      return JsonParser.parseString(
              Files.readString(Repo.pack().resolve("reference/index.json"), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file of a golden array, relative to reference/. */
  static String arrayFile(String name) {
    return index().getAsJsonObject("arrays").get(name).getAsString();
  }

  /** The preprocessed pixels of each reference image, in the order of the image_embeds rows. */
  static List<String> imagePixelFiles() {
    List<String> files = new ArrayList<>();
    index()
        .getAsJsonArray("images")
        .forEach(i -> files.add(i.getAsJsonObject().get("pixels").getAsString()));
    return files;
  }

  /** The tolerance the golden files state for embeddings. */
  static double tolerance() {
    return index().getAsJsonObject("tolerances").get("embeddings_abs").getAsDouble();
  }
}
