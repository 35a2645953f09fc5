package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class LabelEmbeddingCacheTest {
  private static final ModelVersion V1 = new ModelVersion("m", "1");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void get_afterPut_returnsTheEmbeddingAndCountsAHit() {
    LabelEmbeddingCache cache = new LabelEmbeddingCache(10, registry);
    cache.put(V1, "a photo of a cat", new float[] {1, 2});

    assertArrayEquals(new float[] {1, 2}, cache.get(V1, "a photo of a cat"));
    assertEquals(1.0, registry.counter("mmserve.gateway.label.cache.hits").count());
  }

  @Test
  void get_otherVersionOfTheModel_isAMiss() {
    LabelEmbeddingCache cache = new LabelEmbeddingCache(10, registry);
    cache.put(V1, "p", new float[] {1});

    assertNull(cache.get(new ModelVersion("m", "2"), "p"));
    assertEquals(1.0, registry.counter("mmserve.gateway.label.cache.misses").count());
  }

  @Test
  void put_whenFull_evictsTheLeastRecentlyUsed() {
    LabelEmbeddingCache cache = new LabelEmbeddingCache(2, registry);
    cache.put(V1, "a", new float[] {1});
    cache.put(V1, "b", new float[] {2});
    cache.get(V1, "a");

    cache.put(V1, "c", new float[] {3});

    assertEquals(2, cache.size());
    assertNull(cache.get(V1, "b"));
    assertArrayEquals(new float[] {1}, cache.get(V1, "a"));
  }

  @Test
  void get_returnsACopyTheCallerCannotChangeTheCacheThrough() {
    LabelEmbeddingCache cache = new LabelEmbeddingCache(2, registry);
    cache.put(V1, "a", new float[] {1});

    cache.get(V1, "a")[0] = 9;

    assertArrayEquals(new float[] {1}, cache.get(V1, "a"));
  }

  @Test
  void zeroEntries_keepsNothing() {
    LabelEmbeddingCache cache = new LabelEmbeddingCache(0, registry);
    cache.put(V1, "a", new float[] {1});

    assertNull(cache.get(V1, "a"));
  }
}
