package io.mmserve.gateway.http;

import com.google.protobuf.ByteString;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * One item of an OpenAI embeddings request's {@code input}: a text, or an image sent as a data URL
 * ({@code data:image/png;base64,...}), as Infinity accepts them.
 */
sealed interface EmbeddingInput {
  /** Image media types a data URL may name: the formats the vision encoder decodes. */
  Set<String> IMAGE_TYPES =
      Set.of(
          "image/png",
          "image/jpeg",
          "image/jpg",
          "image/gif",
          "image/bmp",
          "image/webp",
          "image/tiff");

  /**
   * Infinity's {@code modality} field: AUTO (absent) routes each input by its kind, TEXT takes
   * every input as a text (a data URL too), IMAGE requires every input to be an image data URL.
   */
  enum Modality {
    AUTO,
    TEXT,
    IMAGE
  }

  /** A text for the text encoder. */
  record Text(String text) implements EmbeddingInput {}

  /** The bytes of an encoded image file for the vision encoder. */
  record Image(ByteString encoded) implements EmbeddingInput {}

  /**
   * Reads input {@code index}: a {@code data:image/...;base64,} URL is an image, a bare http(s) URL
   * of an image file is refused (images are not fetched), anything else is a text.
   *
   * @throws OpenAiException (400) for a data URL that is not a base64 image of a known type, or an
   *     image URL
   */
  static EmbeddingInput of(String value, int index, Modality modality) {
    if (modality == Modality.TEXT) {
      return new Text(value);
    }
    String lower = value.toLowerCase(Locale.ROOT);
    if (lower.startsWith("data:")) {
      return dataUrl(value, lower, index);
    }
    if (modality == Modality.IMAGE && !isImageUrl(lower)) {
      throw OpenAiException.invalid(
          "input",
          "input["
              + index
              + "]: with modality 'image' every input must be an image data URL"
              + " (data:image/png;base64,...)");
    }
    if (isImageUrl(lower)) {
      throw OpenAiException.invalid(
          "input",
          "input["
              + index
              + "]: image URLs are not fetched; send the image as a data URL"
              + " (data:image/png;base64,...)");
    }
    return new Text(value);
  }

  private static EmbeddingInput dataUrl(String value, String lower, int index) {
    int comma = lower.indexOf(',');
    String header = comma < 0 ? lower : lower.substring("data:".length(), comma);
    if (comma < 0 || !header.endsWith(";base64")) {
      throw OpenAiException.invalid(
          "input", "input[" + index + "]: a data URL must be data:image/TYPE;base64,DATA");
    }
    String type = header.substring(0, header.indexOf(';'));
    if (!IMAGE_TYPES.contains(type)) {
      throw OpenAiException.invalid(
          "input",
          "input["
              + index
              + "]: data URL of type '"
              + type
              + "'; images may be png, jpeg, gif, bmp, webp or tiff");
    }
    try {
      return new Image(
          ByteString.copyFrom(Base64.getMimeDecoder().decode(value.substring(comma + 1))));
    } catch (IllegalArgumentException e) {
      throw OpenAiException.invalid(
          "input", "input[" + index + "]: the data URL's base64 is malformed: " + e.getMessage());
    }
  }

  private static boolean isImageUrl(String lower) {
    if (!(lower.startsWith("http://") || lower.startsWith("https://"))
        || lower.chars().anyMatch(Character::isWhitespace)) {
      return false;
    }
    String path = lower.replaceFirst("[?#].*$", "");
    return path.matches(".*\\.(png|jpe?g|gif|bmp|webp|tiff?)$");
  }
}
