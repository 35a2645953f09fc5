package io.mmserve.gateway;

import io.mmserve.inference.DType;
import io.mmserve.inference.TensorCodec;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.tensor.v1.Tensor;
import java.util.Arrays;

/**
 * Tensors in the answers of mmserve's own backends, checked by the {@link TensorCodec} and against
 * the shape the request implies. A tensor that fails is a bug between mmserve's services, not the
 * caller's bad input, so it is an {@link IllegalStateException} (answered as INTERNAL, logged).
 */
final class AnswerTensors {
  private AnswerTensors() {}

  /**
   * The FLOAT32 [items, D] embeddings (D >= 1) a backend returned for {@code items} items, as they
   * came, to be passed on without copying.
   *
   * @param source the backend, for messages ("text-encoder-svc")
   * @throws IllegalStateException if the tensor is malformed or has another shape
   */
  static Tensor embeddings(String source, Tensor embeddings, int items) {
    long[] shape = checked(source, "embeddings", embeddings);
    if (shape.length != 2 || shape[0] != items || shape[1] < 1) {
      throw new IllegalStateException(
          source
              + " returned embeddings of shape "
              + Arrays.toString(shape)
              + " for "
              + items
              + " items");
    }
    return embeddings;
  }

  /**
   * The values of the embeddings a backend returned for {@code items} items, row-major: each row
   * has {@code values.length / items} values.
   *
   * @throws IllegalStateException as {@link #embeddings}
   */
  static float[] embeddingValues(String source, Tensor embeddings, int items) {
    long dim = embeddings(source, embeddings, items).getShape(1);
    return floats(source, "embeddings", embeddings, items, dim);
  }

  /**
   * The values of a FLOAT32 tensor of exactly {@code shape}.
   *
   * @param source the backend, for messages
   * @param field the answer's field, for messages
   * @throws IllegalStateException if the tensor is malformed or has another shape
   */
  static float[] floats(String source, String field, Tensor tensor, long... shape) {
    long[] actual = checked(source, field, tensor);
    if (!Arrays.equals(actual, shape)) {
      throw new IllegalStateException(
          source
              + " returned "
              + field
              + " of shape "
              + Arrays.toString(actual)
              + ", expected "
              + Arrays.toString(shape));
    }
    return TensorCodec.decode(field, tensor, DType.FLOAT32).toFloatArray();
  }

  private static long[] checked(String source, String field, Tensor tensor) {
    try {
      return TensorCodec.check(field, tensor, DType.FLOAT32);
    } catch (InvalidInputException e) {
      throw new IllegalStateException(
          source + " returned a malformed tensor: " + e.getMessage(), e);
    }
  }
}
