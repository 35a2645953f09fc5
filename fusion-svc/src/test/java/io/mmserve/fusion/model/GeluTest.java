package io.mmserve.fusion.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GeluTest {
  @Test
  void erf_matchesTabulatedValuesOnBothBranches() {
    assertEquals(0.0, Gelu.erf(0), 0);
    assertEquals(0.5204998778130465, Gelu.erf(0.5), 1e-15);
    assertEquals(0.8427007929497149, Gelu.erf(1), 1e-15);
    assertEquals(-0.9953222650189527, Gelu.erf(-2), 1e-15);
    assertEquals(0.999593047982555, Gelu.erf(2.5), 1e-15);
    assertEquals(1 - 2.209049699858544e-05, Gelu.erf(3), 1e-15);
    assertEquals(1.0, Gelu.erf(40), 0);
  }

  @Test
  void applyInPlace_isTheExactErfGelu() {
    float[] x = {-3f, -1f, 0f, 0.5f, 2f};
    Gelu.applyInPlace(x, 0, x.length);
    // torch.nn.functional.gelu(torch.tensor([-3., -1., 0., 0.5, 2.]))
    float[] expected = {-0.0040496886f, -0.15865526f, 0f, 0.34573123f, 1.9544997f};
    for (int i = 0; i < x.length; i++) {
      assertEquals(expected[i], x[i], 1e-7, "gelu at " + i);
    }
  }
}
