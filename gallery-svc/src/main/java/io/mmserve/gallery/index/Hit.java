package io.mmserve.gallery.index;

import java.util.Map;

/**
 * One item found by a search.
 *
 * @param id the item's id
 * @param score cosine similarity between the query and the item's full-precision vector
 * @param metadata the item's metadata
 * @param thumbnail the item's thumbnail as stored; empty for none. Not copied: do not change it
 */
public record Hit(String id, float score, Map<String, String> metadata, byte[] thumbnail) {
  public Hit {
    metadata = Map.copyOf(metadata);
    thumbnail = thumbnail == null ? Item.NO_THUMBNAIL : thumbnail;
  }

  /** A hit without a thumbnail. */
  public Hit(String id, float score, Map<String, String> metadata) {
    this(id, score, metadata, Item.NO_THUMBNAIL);
  }
}
