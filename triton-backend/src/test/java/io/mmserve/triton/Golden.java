package io.mmserve.triton;

import com.google.gson.JsonObject;
import io.mmserve.testsupport.ReferencePack;
import java.util.ArrayList;
import java.util.List;

/** What Triton's tests read of the bundled pack's reference outputs ({@link ReferencePack}). */
final class Golden {
  private Golden() {}

  private static JsonObject index() {
    return ReferencePack.index();
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
