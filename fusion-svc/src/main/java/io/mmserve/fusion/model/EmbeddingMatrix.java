package io.mmserve.fusion.model;

/**
 * Checked embeddings: {@code rows} rows of {@code dim} finite values, row-major.
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
