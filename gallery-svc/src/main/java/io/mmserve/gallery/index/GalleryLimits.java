package io.mmserve.gallery.index;

/**
 * What one request may ask of the gallery.
 *
 * @param maxItems most items in one upsert
 * @param maxIds most ids in one delete
 * @param maxTopK most hits one search may ask for
 * @param defaultTopK hits of a search that asks for 0
 * @param maxDimension longest vector a collection may hold
 */
public record GalleryLimits(
    int maxItems, int maxIds, int maxTopK, int defaultTopK, int maxDimension) {
  public static final int DEFAULT_MAX_ITEMS = 1000;
  public static final int DEFAULT_MAX_IDS = 10_000;
  public static final int DEFAULT_MAX_TOP_K = 1000;
  public static final int DEFAULT_TOP_K = 10;

  /** Lucene's HNSW vectors are at most this long. */
  public static final int DEFAULT_MAX_DIMENSION = 1024;

  /** Longest id, in characters. */
  public static final int MAX_ID_LENGTH = 512;

  /** Most metadata entries of one item. */
  public static final int MAX_METADATA_ENTRIES = 64;

  /** Longest metadata key or value, in characters. */
  public static final int MAX_METADATA_LENGTH = 4096;

  /**
   * Largest thumbnail of one item, in bytes: a thumbnail is for showing a hit (the gateway makes
   * JPEGs of at most 512 pixels a side, a few KiB to some tens of KiB), not for storing images.
   */
  public static final int MAX_THUMBNAIL_BYTES = 256 * 1024;

  public GalleryLimits {
    if (maxItems < 1 || maxIds < 1 || maxTopK < 1 || maxDimension < 1) {
      throw new IllegalArgumentException("limits must be >= 1");
    }
    if (defaultTopK < 1 || defaultTopK > maxTopK) {
      throw new IllegalArgumentException(
          "defaultTopK must be in 1.." + maxTopK + ", but was " + defaultTopK);
    }
  }

  /** The defaults above. */
  public static GalleryLimits defaults() {
    return new GalleryLimits(
        DEFAULT_MAX_ITEMS,
        DEFAULT_MAX_IDS,
        DEFAULT_MAX_TOP_K,
        DEFAULT_TOP_K,
        DEFAULT_MAX_DIMENSION);
  }
}
