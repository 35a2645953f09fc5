package io.mmserve.fusion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.mmserve.inference.pack.ModelPack;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import org.junit.jupiter.api.Test;

/**
 * CLIP logits and softmax against the reference: logits within 1e-4 x max(1, max |reference|),
 * softmax within 1e-5 absolute.
 */
class SimilarityTest {
  private static EmbeddingMatrix matrix(String name) {
    Npy.Array a = ReferencePack.array(name);
    return new EmbeddingMatrix(name, a.floats(), (int) a.shape()[0], (int) a.shape()[1]);
  }

  private static float logitScale() {
    return (float) ModelPack.load(ReferencePack.dir()).manifest().logitScale();
  }

  @Test
  void logits_matchReferenceLogitsPerImage() {
    float[] logits = Similarity.logits(matrix("image_embeds"), matrix("text_embeds"), logitScale());
    Goldens.assertRelative(
        1e-4, ReferencePack.array("logits_per_image").floats(), logits, "logits_per_image");
  }

  @Test
  void logits_areTheScaledDotProductsOfTheRowsAsGiven() {
    EmbeddingMatrix images = new EmbeddingMatrix("images", new float[] {0.6f, 0.8f, 0, 0}, 2, 2);
    EmbeddingMatrix texts = new EmbeddingMatrix("texts", new float[] {1, 0, 0, 1}, 2, 2);

    float[] logits = Similarity.logits(images, texts, 50f);

    // the zero row scores 0 against everything: the one rule for a zero vector
    assertArrayEquals(new float[] {30f, 40f, 0f, 0f}, logits, 1e-5f);
  }

  @Test
  void transpose_matchesReferenceLogitsPerText() {
    EmbeddingMatrix images = matrix("image_embeds");
    EmbeddingMatrix texts = matrix("text_embeds");
    float[] perText =
        Similarity.transpose(
            Similarity.logits(images, texts, logitScale()), images.rows(), texts.rows());
    Goldens.assertRelative(
        1e-4, ReferencePack.array("logits_per_text").floats(), perText, "logits_per_text");
  }

  @Test
  void softmaxRows_matchesReferenceSoftmaxPerImage() {
    EmbeddingMatrix images = matrix("image_embeds");
    EmbeddingMatrix texts = matrix("text_embeds");
    float[] softmax =
        Similarity.softmaxRows(
            Similarity.logits(images, texts, logitScale()), images.rows(), texts.rows());
    Goldens.assertAbsolute(
        1e-5, ReferencePack.array("softmax_per_image").floats(), softmax, "softmax_per_image");
  }

  @Test
  void softmaxRows_staysFiniteForHugeLogits() {
    float[] p = Similarity.softmaxRows(new float[] {1e30f, 1e30f, -1e30f}, 1, 3);
    assertArrayEquals(new float[] {0.5f, 0.5f, 0f}, p);
  }

  @Test
  void topK_returnsLargestFirstWithTiesByIndex() {
    float[] row = {0.1f, 0.9f, 0.5f, 0.9f, -1f};
    assertArrayEquals(new int[] {1, 3, 2}, Similarity.topK(row, 0, row.length, 3));
    assertArrayEquals(new int[] {1, 3, 2, 0, 4}, Similarity.topK(row, 0, row.length, 10));
    assertArrayEquals(new int[] {}, Similarity.topK(row, 0, row.length, 0));
  }
}
