package io.mmserve.gateway;

import io.mmserve.api.v1.Embedding;
import io.mmserve.inference.TensorCodec;
import io.mmserve.inference.Vectors;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.tensor.v1.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Embeddings a caller sent (Score's {@code image_embeddings} and {@code text_embeddings}), checked
 * (every one has values, all have the same size, every value is finite) and L2-normalised here,
 * once, as fusion-svc takes them: the encoders normalise what they compute, the gateway what
 * callers send ({@link Vectors}: a zero embedding stays zero and scores 0 against everything).
 */
final class CallerEmbeddings {
  private CallerEmbeddings() {}

  /**
   * Checks one side and returns it as a FLOAT32 [embeddings, size] tensor of L2-normalised rows.
   *
   * @param field the field's name, named with the indexes in messages
   * @param expectedDims the size every embedding must have, or 0 to take the first one's
   * @param expectedFrom what {@code expectedDims} comes from, for messages ("image_embeddings[0]")
   * @throws InvalidInputException naming the embedding (and value) that breaks a rule
   */
  static Tensor normalized(
      String field, List<Embedding> embeddings, int expectedDims, String expectedFrom) {
    int dims = expectedDims;
    String from = expectedFrom;
    List<float[]> rows = new ArrayList<>(embeddings.size());
    for (int i = 0; i < embeddings.size(); i++) {
      String item = field + "[" + i + "]";
      Embedding embedding = embeddings.get(i);
      int size = embedding.getValuesCount();
      if (size == 0) {
        throw new InvalidInputException(FieldViolation.of(item, "the embedding has no values"));
      }
      if (dims == 0) {
        dims = size;
        from = item;
      } else if (size != dims) {
        throw new InvalidInputException(
            FieldViolation.of(
                item,
                size
                    + " values, but "
                    + from
                    + " has "
                    + dims
                    + "; all embeddings must have the same size"));
      }
      float[] row = new float[size];
      for (int v = 0; v < size; v++) {
        row[v] = embedding.getValues(v);
        if (!Float.isFinite(row[v])) {
          throw new InvalidInputException(
              FieldViolation.of(item + ".values[" + v + "]", row[v] + " is not a finite number"));
        }
      }
      Vectors.normalize(row);
      rows.add(row);
    }
    return TensorCodec.encodeRows(rows);
  }

  /**
   * Checks that caller embeddings have the size of the model's embeddings.
   *
   * @throws InvalidInputException if they differ
   */
  static void checkModelSize(String field, Tensor given, long modelDims, ModelVersion model) {
    if (given.getShape(1) != modelDims) {
      throw new InvalidInputException(
          FieldViolation.of(
              field + "[0]",
              given.getShape(1)
                  + " values, but model "
                  + model
                  + " embeds into "
                  + modelDims
                  + " dimensions"));
    }
  }
}
