package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.tensor.v1.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorsTest {
  private static final Tensor THREE_ROWS =
      FakeTextEncoder.tensor(new float[][] {{1, 2}, {3, 4}, {5, 6}}, 2);

  @Test
  void repeatRow_copiesOneRowCountTimes() {
    Tensor repeated = Tensors.repeatRow(THREE_ROWS, 1, 2);

    assertEquals(List.of(2L, 2L), repeated.getShapeList());
    assertArrayEquals(new float[] {3, 4, 3, 4}, FakeFusion.floats(repeated));
  }

  @Test
  void selectRows_takesTheRowsInTheGivenOrder() {
    Tensor selected = Tensors.selectRows(THREE_ROWS, List.of(2, 0));

    assertArrayEquals(new float[] {5, 6, 1, 2}, FakeFusion.floats(selected));
  }

  @Test
  void floats_rejectsAnotherShape() {
    assertThrows(IllegalStateException.class, () -> Tensors.floats("f", "x", THREE_ROWS, 2, 3));
  }
}
