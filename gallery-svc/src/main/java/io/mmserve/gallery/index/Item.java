package io.mmserve.gallery.index;

import java.util.Map;

/**
 * One stored item.
 *
 * @param id caller-chosen, unique within its collection
 * @param vector L2-normalised, of the collection's dimension; not copied, so the caller must not
 *     change it afterwards
 * @param metadata stored with the item, returned with hits and matched by filters
 * @param thumbnail a small encoded image stored with the item and returned with hits, never
 *     indexed; empty for none. Not copied, like the vector
 */
public record Item(String id, float[] vector, Map<String, String> metadata, byte[] thumbnail) {
  /** No thumbnail. */
  public static final byte[] NO_THUMBNAIL = new byte[0];

  public Item {
    metadata = Map.copyOf(metadata);
    thumbnail = thumbnail == null ? NO_THUMBNAIL : thumbnail;
  }

  /** An item without a thumbnail. */
  public Item(String id, float[] vector, Map<String, String> metadata) {
    this(id, vector, metadata, NO_THUMBNAIL);
  }
}
