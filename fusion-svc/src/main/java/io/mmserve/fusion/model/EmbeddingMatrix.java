package io.mmserve.fusion.model;

/**
 * Checked embeddings: {@code rows} rows of {@code dim} finite values, row-major, each row
 * L2-normalised (unit length, or a zero vector), so that a dot product of two rows is their cosine.
 *
 * @param name the request field the rows came from, for messages
 */
public record EmbeddingMatrix(String name, float[] values, int rows, int dim) {
  public EmbeddingMatrix {
    if (values.length != rows * dim) {
      throw new IllegalArgumentException(
          name + ": " + values.length + " values are not " + rows + " rows of " + dim);
    }
  }
}
