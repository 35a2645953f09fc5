package io.mmserve.gallery.index;

import java.util.List;

/**
 * The answer to a {@link SearchQuery}.
 *
 * @param hits most similar first
 * @param exact whether every stored vector (that the filter lets through) was compared
 */
public record SearchResult(List<Hit> hits, boolean exact) {
  public SearchResult {
    hits = List.copyOf(hits);
  }
}
