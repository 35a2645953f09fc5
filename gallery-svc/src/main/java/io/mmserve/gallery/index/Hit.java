package io.mmserve.gallery.index;

import java.util.Map;

/**
 * One item found by a search.
 *
 * @param id the item's id
 * @param score cosine similarity between the query and the item's full-precision vector
 * @param metadata the item's metadata
 */
public record Hit(String id, float score, Map<String, String> metadata) {
  public Hit {
    metadata = Map.copyOf(metadata);
  }
}
