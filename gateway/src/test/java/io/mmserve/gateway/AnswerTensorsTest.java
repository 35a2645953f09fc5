package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.tensor.v1.Tensor;
import org.junit.jupiter.api.Test;

class AnswerTensorsTest {
  private static final Tensor TWO_BY_THREE =
      FakeTextEncoder.tensor(new float[][] {{1, 2, 3}, {4, 5, 6}}, 3);

  @Test
  void embeddings_passesAWellFormedTensorOnAsItIs() {
    assertSame(TWO_BY_THREE, AnswerTensors.embeddings("enc", TWO_BY_THREE, 2));
  }

  @Test
  void embeddings_rejectsARowCountOtherThanTheItems() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> AnswerTensors.embeddings("enc", TWO_BY_THREE, 3));

    assertEquals("enc returned embeddings of shape [2, 3] for 3 items", e.getMessage());
  }

  @Test
  void embeddings_rejectsAShapeOfAnotherRank() {
    Tensor flat = TWO_BY_THREE.toBuilder().clearShape().addShape(6).build();

    assertThrows(IllegalStateException.class, () -> AnswerTensors.embeddings("enc", flat, 6));
  }

  @Test
  void embeddings_rejectsDataNotMatchingTheShape() {
    Tensor truncated = TWO_BY_THREE.toBuilder().setShape(1, 4).build();

    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> AnswerTensors.embeddings("enc", truncated, 2));

    assertEquals(
        "enc returned a malformed tensor: embeddings: shape [2, 4] needs 32 bytes of FLOAT32, but"
            + " its data holds 24 bytes",
        e.getMessage());
  }

  @Test
  void embeddingValues_readsLittleEndianRowMajor() {
    assertArrayEquals(
        new float[] {1, 2, 3, 4, 5, 6}, AnswerTensors.embeddingValues("enc", TWO_BY_THREE, 2));
  }

  @Test
  void floats_rejectsAnotherShape() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> AnswerTensors.floats("fusion", "logits", TWO_BY_THREE, 3, 2));

    assertEquals("fusion returned logits of shape [2, 3], expected [3, 2]", e.getMessage());
  }
}
