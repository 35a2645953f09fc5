package io.mmserve.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded least-recently-used cache of text embeddings (the label prompts of Classify and the
 * text candidates of Rank), keyed by model, model version and text. A new model version has keys of
 * its own, so it never sees an older version's vectors; old entries age out.
 *
 * <p>Thread-safe. Stored arrays are never handed out: {@link #get} returns a copy.
 *
 * <p>Metrics: {@code mmserve_gateway_label_cache_hits_total}, {@code ..._misses_total} and the
 * gauge {@code mmserve_gateway_label_cache_entries}.
 */
final class LabelEmbeddingCache {
  private record Key(String model, String version, String text) {}

  private final int maxEntries;
  private final Map<Key, float[]> entries;
  private final Counter hits;
  private final Counter misses;

  /**
   * @param maxEntries most embeddings kept; 0 keeps none
   * @param registry where the hit and miss counters go
   */
  LabelEmbeddingCache(int maxEntries, MeterRegistry registry) {
    if (maxEntries < 0) {
      throw new IllegalArgumentException("maxEntries must be >= 0, but was " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, float[]> eldest) {
            return size() > LabelEmbeddingCache.this.maxEntries;
          }
        };
    this.hits =
        Counter.builder("mmserve.gateway.label.cache.hits")
            .description("label and candidate text embeddings found in the cache")
            .register(registry);
    this.misses =
        Counter.builder("mmserve.gateway.label.cache.misses")
            .description("label and candidate text embeddings that had to be encoded")
            .register(registry);
    Gauge.builder("mmserve.gateway.label.cache.entries", this, LabelEmbeddingCache::size)
        .description("text embeddings held by the label cache")
        .register(registry);
  }

  /** The cached embedding of {@code text} under {@code model}, or null (counted as a miss). */
  float[] get(ModelVersion model, String text) {
    float[] found;
    synchronized (entries) {
      found = entries.get(new Key(model.name(), model.version(), text));
    }
    if (found == null) {
      misses.increment();
      return null;
    }
    hits.increment();
    return found.clone();
  }

  /** Stores a copy of {@code embedding}, evicting the least recently used entry when full. */
  void put(ModelVersion model, String text, float[] embedding) {
    if (maxEntries == 0) {
      return;
    }
    synchronized (entries) {
      entries.put(new Key(model.name(), model.version(), text), embedding.clone());
    }
  }

  /** Entries held now. */
  int size() {
    synchronized (entries) {
      return entries.size();
    }
  }
}
