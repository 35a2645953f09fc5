package io.mmserve.vision.encoder;

import java.util.List;
import java.util.Objects;

/**
 * What a caller asks {@link ImageEncoder} for.
 *
 * @param model pack name, "name@version", or "" for the default model
 * @param images the images, in the order their encodings are returned
 * @param includeFeatures also return the patch features
 * @param normalize L2-normalise the embeddings; false returns them as the model outputs them
 */
public record ImageRequest(
    String model, List<ImageInput> images, boolean includeFeatures, boolean normalize) {
  public ImageRequest {
    Objects.requireNonNull(model, "model");
    images = List.copyOf(images);
  }
}
