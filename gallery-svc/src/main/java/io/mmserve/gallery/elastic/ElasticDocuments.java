package io.mmserve.gallery.elastic;

import io.mmserve.gallery.index.Item;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an {@link Item} is written as an Elasticsearch document ({@link ElasticMappings}) and read
 * back from a hit's {@code _source}. Documents are plain maps, serialised by the client's JSON
 * mapper. A new part of an item goes into {@value ElasticMappings#STORED} (kept, not indexed), so
 * adding one needs no mapping change.
 */
final class ElasticDocuments {
  /** The thumbnail's key in {@value ElasticMappings#STORED}, base64 as JSON carries bytes. */
  static final String THUMBNAIL = "thumbnail";

  private ElasticDocuments() {}

  static Map<String, Object> toSource(Item item) {
    Map<String, Object> source = new LinkedHashMap<>();
    source.put(ElasticMappings.ID, item.id());
    float[] vector = item.vector();
    Object[] values = new Object[vector.length];
    for (int i = 0; i < vector.length; i++) {
      values[i] = vector[i];
    }
    source.put(ElasticMappings.VECTOR, values);
    source.put(ElasticMappings.METADATA, item.metadata());
    source.put(
        ElasticMappings.STORED,
        item.thumbnail().length == 0
            ? Map.of()
            : Map.of(THUMBNAIL, Base64.getEncoder().encodeToString(item.thumbnail())));
    return source;
  }

  /** The thumbnail of a hit's source (missing: none). */
  static byte[] thumbnail(Map<String, Object> source) {
    if (source != null
        && source.get(ElasticMappings.STORED) instanceof Map<?, ?> stored
        && stored.get(THUMBNAIL) instanceof String base64) {
      return Base64.getDecoder().decode(base64);
    }
    return Item.NO_THUMBNAIL;
  }

  /** The metadata of a hit's source (missing: none). */
  static Map<String, String> metadata(Map<String, Object> source) {
    Map<String, String> metadata = new HashMap<>();
    if (source != null && source.get(ElasticMappings.METADATA) instanceof Map<?, ?> stored) {
      stored.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
    }
    return metadata;
  }

  /** The float vector of a hit's source. */
  static float[] vector(Map<String, Object> source) {
    List<?> values = (List<?>) source.get(ElasticMappings.VECTOR);
    float[] vector = new float[values.size()];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = ((Number) values.get(i)).floatValue();
    }
    return vector;
  }
}
