package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.UnsafeByteOperations;
import io.mmserve.tensor.v1.DataType;
import io.mmserve.tensor.v1.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorRowsTest {
  private static final Tensor THREE_ROWS =
      FakeTextEncoder.tensor(new float[][] {{1, 2}, {3, 4}, {5, 6}}, 2);

  @Test
  void repeat_copiesOneRowCountTimes() {
    Tensor repeated = TensorRows.repeat(THREE_ROWS, 1, 2);

    assertEquals(List.of(2L, 2L), repeated.getShapeList());
    assertArrayEquals(new float[] {3, 4, 3, 4}, FakeFusion.floats(repeated));
  }

  @Test
  void select_takesTheRowsInTheGivenOrder() {
    Tensor selected = TensorRows.select(THREE_ROWS, List.of(2, 0));

    assertEquals(List.of(2L, 2L), selected.getShapeList());
    assertArrayEquals(new float[] {5, 6, 1, 2}, FakeFusion.floats(selected));
  }

  @Test
  void range_takesConsecutiveRows() {
    Tensor tail = TensorRows.range(THREE_ROWS, 1, 3);

    assertEquals(List.of(2L, 2L), tail.getShapeList());
    assertArrayEquals(new float[] {3, 4, 5, 6}, FakeFusion.floats(tail));
  }

  @Test
  void gather_takesOneRowOfEachTensor() {
    Tensor other = FakeTextEncoder.tensor(new float[][] {{7, 8}}, 2);

    Tensor gathered = TensorRows.gather(List.of(THREE_ROWS, other), new int[] {2, 0});

    assertArrayEquals(new float[] {5, 6, 7, 8}, FakeFusion.floats(gathered));
  }

  @Test
  void gather_sharesTheBytesInsteadOfCopyingThem() {
    byte[] bytes = new byte[2 * 256];
    Tensor wire =
        Tensor.newBuilder()
            .setDtype(DataType.FLOAT32)
            .addShape(2)
            .addShape(64)
            .setData(UnsafeByteOperations.unsafeWrap(bytes))
            .build();

    Tensor gathered = TensorRows.gather(List.of(wire, wire), new int[] {1, 0});
    bytes[256] = 42; // only to observe the sharing: first byte of row 1

    assertEquals(42, gathered.getData().byteAt(0));
  }

  @Test
  void rows_rejectAMissingRow() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> TensorRows.select(THREE_ROWS, List.of(3)));

    assertEquals("no row 3 in a tensor of shape [3, 2]", e.getMessage());
  }
}
