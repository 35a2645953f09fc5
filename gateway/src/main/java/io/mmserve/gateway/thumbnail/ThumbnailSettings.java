package io.mmserve.gateway.thumbnail;

import io.mmserve.kit.config.Config;

/**
 * Whether and how the gateway makes thumbnails of upserted images.
 *
 * @param maxSide longest side of a thumbnail in pixels; 0 turns thumbnails off
 * @param quality JPEG quality, 1..100
 * @param maxPixels images with more pixels (width x height, read from the header) get no thumbnail
 */
public record ThumbnailSettings(int maxSide, int quality, long maxPixels) {
  public static final String MAX_SIDE = "gallery.thumbnails.max-side";
  public static final String QUALITY = "gallery.thumbnails.quality";

  /** Off unless asked: thumbnails cost CPU at upsert and space in the gallery. */
  public static final int DEFAULT_MAX_SIDE = 0;

  public static final int DEFAULT_QUALITY = 85;

  /**
   * Larger thumbnails are images, not thumbnails; 512 pixels keeps a JPEG well under gallery-svc's
   * limit of 256 KiB per thumbnail.
   */
  public static final int MAX_SIDE_CEILING = 512;

  /** The vision encoder's default pixel limit: a larger image is refused there anyway. */
  public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

  public ThumbnailSettings {
    if (maxSide < 0 || maxSide > MAX_SIDE_CEILING) {
      throw new IllegalArgumentException(
          "maxSide must be in 0.." + MAX_SIDE_CEILING + ", but was " + maxSide);
    }
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("quality must be in 1..100, but was " + quality);
    }
    if (maxPixels < 1) {
      throw new IllegalArgumentException("maxPixels must be >= 1, but was " + maxPixels);
    }
  }

  /** Thumbnails off. */
  public static ThumbnailSettings off() {
    return new ThumbnailSettings(0, DEFAULT_QUALITY, DEFAULT_MAX_PIXELS);
  }

  public boolean enabled() {
    return maxSide > 0;
  }

  /** The settings' defaults, by key. */
  public static java.util.Map<String, String> defaults() {
    return java.util.Map.of(
        MAX_SIDE, Integer.toString(DEFAULT_MAX_SIDE), QUALITY, Integer.toString(DEFAULT_QUALITY));
  }

  /** Reads the settings; a bad value is a config error naming the key. */
  public static ThumbnailSettings from(Config config) {
    return new ThumbnailSettings(
        config.getInt(MAX_SIDE, 0, MAX_SIDE_CEILING),
        config.getInt(QUALITY, 1, 100),
        DEFAULT_MAX_PIXELS);
  }
}
