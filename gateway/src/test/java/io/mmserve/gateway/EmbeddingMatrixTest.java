package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class EmbeddingMatrixTest {

  @Test
  void fromFloat32_readsLittleEndianRowMajor() {
    ByteBuffer data = floats(1f, 2f, 3f, 4f, 5f, 6f);

    EmbeddingMatrix m = EmbeddingMatrix.fromFloat32("enc", new long[] {2, 3}, data, 2);

    assertEquals(2, m.rows());
    assertEquals(3, m.cols());
    assertEquals(6f, m.get(1, 2));
    assertEquals(2f, m.get(0, 1));
  }

  @Test
  void fromFloat32_rejectsRowCountOtherThanItems() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> EmbeddingMatrix.fromFloat32("enc", new long[] {1, 2}, floats(1f, 2f), 2));

    assertEquals("enc returned embeddings of shape [1, 2] for 2 items", e.getMessage());
  }

  @Test
  void fromFloat32_rejectsDataNotMatchingShape() {
    assertThrows(
        IllegalStateException.class,
        () -> EmbeddingMatrix.fromFloat32("enc", new long[] {1, 3}, floats(1f, 2f), 1));
  }

  @Test
  void fromFloat32_rejectsShapeOfOtherRank() {
    assertThrows(
        IllegalStateException.class,
        () -> EmbeddingMatrix.fromFloat32("enc", new long[] {2}, floats(1f, 2f), 2));
  }

  private static ByteBuffer floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.flip();
  }
}
