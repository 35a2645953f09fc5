package io.mmserve.gallery.index;

import java.util.Map;

/**
 * One stored item.
 *
 * @param id caller-chosen, unique within its collection
 * @param vector L2-normalised, of the collection's dimension; not copied, so the caller must not
 *     change it afterwards
 * @param metadata stored with the item, returned with hits and matched by filters
 */
public record Item(String id, float[] vector, Map<String, String> metadata) {
  public Item {
    metadata = Map.copyOf(metadata);
  }
}
