package io.mmserve.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mmserve.api.v1.SearchHit;
import io.mmserve.api.v1.SearchResponse;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Prints Search answers: one line per hit for people, or one JSON document. */
final class SearchFormat {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private SearchFormat() {}

  /**
   * A header line, then per hit: rank, score, id and the metadata as {@code key=value} in key
   * order; "no hits" when there are none.
   */
  static String readable(String collection, String query, SearchResponse response) {
    StringBuilder out =
        new StringBuilder()
            .append("collection ")
            .append(collection)
            .append(", query ")
            .append(GSON.toJson(query))
            .append('\n');
    if (response.getHitsCount() == 0) {
      return out.append("no hits\n").toString();
    }
    int rank = 1;
    for (SearchHit hit : response.getHitsList()) {
      out.append(String.format(Locale.ROOT, "%2d. %.4f  %s", rank++, hit.getScore(), hit.getId()));
      for (Map.Entry<String, String> e : new TreeMap<>(hit.getMetadataMap()).entrySet()) {
        out.append("  ").append(e.getKey()).append('=').append(e.getValue());
      }
      out.append('\n');
    }
    return out.toString();
  }

  /** {"collection", "query", "hits": [{"rank", "id", "score", "metadata"}]}. */
  static String json(String collection, String query, SearchResponse response) {
    JsonObject root = new JsonObject();
    root.addProperty("collection", collection);
    root.addProperty("query", query);
    JsonArray hits = new JsonArray();
    int rank = 1;
    for (SearchHit hit : response.getHitsList()) {
      JsonObject item = new JsonObject();
      item.addProperty("rank", rank++);
      item.addProperty("id", hit.getId());
      item.addProperty("score", hit.getScore());
      JsonObject metadata = new JsonObject();
      new TreeMap<>(hit.getMetadataMap()).forEach(metadata::addProperty);
      item.add("metadata", metadata);
      hits.add(item);
    }
    root.add("hits", hits);
    return GSON.toJson(root) + "\n";
  }
}
