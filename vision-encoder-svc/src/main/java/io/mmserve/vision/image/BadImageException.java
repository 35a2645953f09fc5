package io.mmserve.vision.image;

/**
 * Why one encoded image cannot be decoded, phrased as the rule it breaks ("truncated JPEG data (no
 * end-of-image marker)"). Internal to the decoders: {@link ImageDecoder} adds the item index and
 * turns it into the service's {@code InvalidInputException}.
 */
final class BadImageException extends Exception {
  private static final long serialVersionUID = 1L;

  BadImageException(String rule) {
    super(rule);
  }

  BadImageException(String rule, Throwable cause) {
    super(rule, cause);
  }
}
