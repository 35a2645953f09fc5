package io.mmserve.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VectorsTest {

  @Test
  void normalize_scalesToUnitLength() {
    float[] v = {3, 4};

    Vectors.normalize(v);

    assertArrayEquals(new float[] {0.6f, 0.8f}, v, 1e-7f);
  }

  @Test
  void normalize_scalesOnlyTheGivenRange() {
    float[] v = {9, 3, 4, 9};

    Vectors.normalize(v, 1, 2);

    assertArrayEquals(new float[] {9, 0.6f, 0.8f, 9}, v, 1e-7f);
  }

  @Test
  void normalize_isIdempotentWithinAnUlp() {
    float[] v = {0.1f, -0.7f, 0.25f, 0.33f};
    Vectors.normalize(v);
    float[] again = v.clone();

    Vectors.normalize(again);

    for (int i = 0; i < v.length; i++) {
      assertEquals(v[i], again[i], Math.ulp(v[i]), "element " + i);
    }
  }

  @Test
  void normalize_leavesAZeroVectorZero() {
    float[] v = {0, 0, 0};

    Vectors.normalize(v);

    assertArrayEquals(new float[] {0, 0, 0}, v);
  }

  @Test
  void normalize_leavesANonFiniteVectorAsItIs() {
    float[] nan = {Float.NaN, 1};
    float[] infinite = {Float.POSITIVE_INFINITY, 1};

    Vectors.normalize(nan);
    Vectors.normalize(infinite);

    assertArrayEquals(new float[] {Float.NaN, 1}, nan);
    assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, 1}, infinite);
  }

  @Test
  void normalize_neitherOverflowsNorUnderflowsForExtremeFloats() {
    float[] huge = {3e37f, 4e37f}; // squares above Float.MAX_VALUE
    float[] tiny = {3e-30f, 4e-30f}; // squares below Float.MIN_VALUE

    Vectors.normalize(huge);
    Vectors.normalize(tiny);

    assertArrayEquals(new float[] {0.6f, 0.8f}, huge, 1e-7f);
    assertArrayEquals(new float[] {0.6f, 0.8f}, tiny, 1e-7f);
  }
}
