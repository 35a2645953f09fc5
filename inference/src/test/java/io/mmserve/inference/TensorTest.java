package io.mmserve.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void ofFloats_roundTripsValuesAndShape() {
    float[] values = {1.5f, -2f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN};

    Tensor t = Tensor.ofFloats(values, 2, 3);

    assertArrayEquals(values, t.toFloatArray());
    assertArrayEquals(new long[] {2, 3}, t.shape());
    assertEquals(DType.FLOAT32, t.dtype());
    assertEquals(6, t.elementCount());
  }

  @Test
  void ofLongs_roundTripsValues() {
    long[] values = {Long.MIN_VALUE, -1, 0, 49407, Long.MAX_VALUE, 7};

    assertArrayEquals(values, Tensor.ofLongs(values, 3, 2).toLongArray());
  }

  @Test
  void data_isLittleEndianAndReadOnly() {
    ByteBuffer data = Tensor.ofFloats(new float[] {1f}, 1).data();

    assertTrue(data.isReadOnly());
    assertEquals(ByteOrder.LITTLE_ENDIAN, data.order());
    assertEquals(0x3f800000, data.getInt(0));
  }

  @Test
  void factories_copyIntoHeapArraysThatAMessageCanShare() {
    assertTrue(Tensor.ofFloats(new float[] {1f}, 1).buffer().hasArray());
    assertTrue(Tensor.ofLongs(new long[] {1}, 1).buffer().hasArray());
    assertTrue(Tensor.ofFloatRows(List.of(new float[] {1f})).buffer().hasArray());
    assertTrue(Tensor.stack(List.of(Tensor.ofFloats(new float[] {1f}, 1))).buffer().hasArray());
  }

  @Test
  void of_readsLittleEndianBytes() {
    ByteBuffer bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    bytes.putLong(3).putLong(-4).flip();

    Tensor t = Tensor.of(DType.INT64, new long[] {2}, bytes);

    assertArrayEquals(new long[] {3, -4}, t.toLongArray());
    assertEquals(0, bytes.position());
  }

  @Test
  void of_rejectsByteCountThatDoesNotMatchShape() {
    ByteBuffer bytes = ByteBuffer.allocate(12);

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Tensor.of(DType.FLOAT32, new long[] {2, 2}, bytes));

    assertEquals("float32 [2, 2] needs 16 bytes, but got 12", e.getMessage());
  }

  @Test
  void ofFloats_rejectsValueCountThatDoesNotMatchShape() {
    assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats(new float[5], 2, 3));
  }

  @Test
  void ofFloatRows_stacksRowsIntoAMatrix() {
    Tensor t = Tensor.ofFloatRows(List.of(new float[] {1, 2}, new float[] {3, 4}));

    assertArrayEquals(new long[] {2, 2}, t.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray());
  }

  @Test
  void ofFloatRows_rejectsRowsOfDifferentLengths() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Tensor.ofFloatRows(List.of(new float[] {1, 2}, new float[] {3})));

    assertEquals("row 1 has 1 values, but row 0 has 2", e.getMessage());
  }

  @Test
  void stack_addsLeadingAxis() {
    Tensor a = Tensor.ofFloats(new float[] {1, 2}, 2);
    Tensor b = Tensor.ofFloats(new float[] {3, 4}, 2);

    Tensor stacked = Tensor.stack(List.of(a, b));

    assertArrayEquals(new long[] {2, 2}, stacked.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4}, stacked.toFloatArray());
  }

  @Test
  void stack_rejectsMixedShapes() {
    Tensor a = Tensor.ofFloats(new float[] {1, 2}, 2);
    Tensor b = Tensor.ofFloats(new float[] {3}, 1);

    assertThrows(IllegalArgumentException.class, () -> Tensor.stack(List.of(a, b)));
  }

  @Test
  void rowsAndRow_sliceLeadingAxis() {
    Tensor t = Tensor.ofLongs(new long[] {0, 1, 2, 3, 4, 5}, 3, 2);

    assertArrayEquals(new long[] {2, 3, 4, 5}, t.rows(1, 3).toLongArray());
    assertArrayEquals(new long[] {2, 2}, t.rows(1, 3).shape());
    assertArrayEquals(new long[] {4, 5}, t.row(2).toLongArray());
    assertArrayEquals(new long[] {2}, t.row(2).shape());
  }

  @Test
  void equals_comparesDtypeShapeAndContent() {
    assertEquals(Tensor.ofFloats(new float[] {1, 2}, 2), Tensor.ofFloats(new float[] {1, 2}, 2));
    assertTrue(
        !Tensor.ofFloats(new float[] {1, 2}, 2).equals(Tensor.ofFloats(new float[] {1, 2}, 1, 2)));
  }

  @Test
  void toLongArray_rejectsFloatTensor() {
    assertThrows(
        IllegalStateException.class, () -> Tensor.ofFloats(new float[] {1}, 1).toLongArray());
  }
}
