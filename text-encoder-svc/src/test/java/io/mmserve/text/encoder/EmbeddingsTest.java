package io.mmserve.text.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EmbeddingsTest {

  @Test
  void normalize_scalesToUnitLength() {
    float[] v = {3, 4};
    Embeddings.normalize(v);
    assertArrayEquals(new float[] {0.6f, 0.8f}, v, 1e-7f);
  }

  @Test
  void normalize_isIdempotentWithinAnUlp() {
    float[] v = {0.1f, -0.7f, 0.25f, 0.33f};
    Embeddings.normalize(v);
    float[] again = v.clone();
    Embeddings.normalize(again);
    for (int i = 0; i < v.length; i++) {
      assertEquals(v[i], again[i], Math.ulp(v[i]), "element " + i);
    }
  }

  @Test
  void normalize_leavesAZeroVectorAlone() {
    float[] v = {0, 0, 0};
    Embeddings.normalize(v);
    assertArrayEquals(new float[] {0, 0, 0}, v);
  }
}
