package io.mmserve.gallery.index;

import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules every item and query vector must follow before it reaches a backend: ids present, short
 * and unique within a call; metadata keys usable in filters; thumbnails small; vectors of one
 * dimension and L2-normalised. Violations are {@link InvalidInputException}s naming the item.
 */
final class ItemChecks {
  /** How far a vector's length may be from 1. */
  static final double NORM_TOLERANCE = 1e-3;

  private ItemChecks() {}

  /** Checks the items of one upsert; all vectors must have {@code dimension} values. */
  static void checkItems(List<Item> items, int dimension) {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      String id = item.id();
      if (id == null || id.isEmpty()) {
        throw invalid(i, "id", "an id is required");
      }
      if (id.length() > GalleryLimits.MAX_ID_LENGTH) {
        throw invalid(i, "id", "id is longer than " + GalleryLimits.MAX_ID_LENGTH + " characters");
      }
      if (!ids.add(id)) {
        throw invalid(i, "id", "id '" + id + "' appears more than once in this call");
      }
      checkMetadata(i, item.metadata());
      if (item.thumbnail().length > GalleryLimits.MAX_THUMBNAIL_BYTES) {
        throw invalid(
            i,
            "thumbnail",
            "the thumbnail of item '"
                + id
                + "' has "
                + item.thumbnail().length
                + " bytes, more than the limit of "
                + GalleryLimits.MAX_THUMBNAIL_BYTES);
      }
      checkVector(FieldViolation.item("items", i, "x").at("vector"), item.vector(), dimension);
    }
  }

  /**
   * Checks a vector's dimension and norm.
   *
   * @param where the field it came from, for messages (its rule is replaced)
   */
  static void checkVector(FieldViolation where, float[] vector, int dimension) {
    if (vector.length != dimension) {
      throw new InvalidInputException(
          new FieldViolation(
              where.field(),
              where.index(),
              where.subfield(),
              "dimension " + vector.length + " differs from the collection's " + dimension));
    }
    double squared = 0;
    for (float v : vector) {
      squared += (double) v * v;
    }
    double norm = Math.sqrt(squared);
    if (!(Math.abs(norm - 1) <= NORM_TOLERANCE)) {
      throw new InvalidInputException(
          new FieldViolation(
              where.field(),
              where.index(),
              where.subfield(),
              "vector must be L2-normalised, but its length is " + (float) norm));
    }
  }

  private static void checkMetadata(int item, Map<String, String> metadata) {
    if (metadata.size() > GalleryLimits.MAX_METADATA_ENTRIES) {
      throw invalid(
          item,
          "metadata",
          "more than " + GalleryLimits.MAX_METADATA_ENTRIES + " metadata entries");
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
        throw invalid(
            item,
            "metadata",
            "metadata key '" + e.getKey() + "' must match [A-Za-z_][A-Za-z0-9_.-]*");
      }
      if (e.getKey().length() > GalleryLimits.MAX_METADATA_LENGTH
          || e.getValue().length() > GalleryLimits.MAX_METADATA_LENGTH) {
        throw invalid(
            item,
            "metadata",
            "metadata key '"
                + e.getKey()
                + "': keys and values are at most "
                + GalleryLimits.MAX_METADATA_LENGTH
                + " characters");
      }
    }
  }

  private static InvalidInputException invalid(int item, String subfield, String rule) {
    return new InvalidInputException(FieldViolation.item("items", item, rule).at(subfield));
  }
}
