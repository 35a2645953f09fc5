package io.mmserve.fusion.model;

import io.mmserve.inference.Vectors;
import io.mmserve.kit.errors.InvalidInputException;
import java.util.Arrays;

/**
 * Checks a caller's tensors against the rules of fusion-svc and the served model, and turns them
 * into checked values. Every failure is an {@link InvalidInputException} naming the field, the
 * index where there is one, and the rule.
 */
final class FusionInputs {
  /**
   * How far the squared length of an embedding may be from 1. Embeddings normalised in float32 (the
   * encoders', the gateway's, PyTorch's) are within {@code dim x 2^-24} of it.
   */
  static final double UNIT_LENGTH_TOLERANCE = 1e-3;

  private FusionInputs() {}

  /** Two embedding matrices of the same width, that of the model's embeddings. */
  static EmbeddingMatrix[] embeddingPair(TensorInput a, TensorInput b, FusionModel model) {
    EmbeddingMatrix first = matrix(a);
    EmbeddingMatrix second = matrix(b);
    if (first.dim() != second.dim()) {
      throw new InvalidInputException(
          a.field()
              + " rows have "
              + first.dim()
              + " values but "
              + b.field()
              + " rows have "
              + second.dim()
              + "; embeddings must have the same size");
    }
    if (first.dim() != model.embeddingDim()) {
      throw new InvalidInputException(
          "embeddings have "
              + first.dim()
              + " values, but model "
              + model.id()
              + " has embeddings of "
              + model.embeddingDim());
    }
    return new EmbeddingMatrix[] {first, second};
  }

  /** The inputs of a Match, checked against the model's declared shapes and the pair limit. */
  static MatchFeatures match(
      TensorInput tokens, TensorInput mask, TensorInput patches, FusionModel model, int maxPairs) {
    long[] tokenShape = tokens.tensor().shape();
    long[] maskShape = mask.tensor().shape();
    long[] patchShape = patches.tensor().shape();
    requireRank(tokens.field(), tokenShape, 3, "[pairs, tokens, width]");
    requireRank(mask.field(), maskShape, 2, "[pairs, tokens]");
    requireRank(patches.field(), patchShape, 3, "[pairs, patches, width]");
    long pairs = tokenShape[0];
    if (pairs == 0) {
      throw new InvalidInputException(tokens.field() + " is empty; at least one pair is required");
    }
    if (maskShape[0] != pairs || patchShape[0] != pairs) {
      throw new InvalidInputException(
          "pair counts differ: "
              + tokens.field()
              + " has "
              + pairs
              + ", "
              + mask.field()
              + " "
              + maskShape[0]
              + ", "
              + patches.field()
              + " "
              + patchShape[0]);
    }
    if (pairs > maxPairs) {
      throw new InvalidInputException(
          pairs + " pairs exceed the limit of " + maxPairs + " pairs per request");
    }
    requireDeclared(tokens.field(), tokenShape, model.tokenShape(), model);
    requireDeclared(patches.field(), patchShape, model.patchShape(), model);
    requireDeclared(mask.field(), maskShape, model.maskShape(), model);
    if (maskShape[1] != tokenShape[1]) {
      throw new InvalidInputException(
          mask.field()
              + " has shape "
              + Arrays.toString(maskShape)
              + " but "
              + tokens.field()
              + " has "
              + tokenShape[1]
              + " tokens per text; the mask must be ["
              + pairs
              + ", "
              + tokenShape[1]
              + "]");
    }
    float[] tokenValues = finiteValues(tokens, tokenShape);
    float[] patchValues = finiteValues(patches, patchShape);
    long[] m = mask.tensor().toLongArray();
    int length = (int) maskShape[1];
    for (int i = 0; i < m.length; i++) {
      if (m[i] != 0 && m[i] != 1) {
        throw new InvalidInputException(
            mask.field()
                + "["
                + i / length
                + "]["
                + i % length
                + "] is "
                + m[i]
                + "; mask values must be 0 or 1");
      }
    }
    return new MatchFeatures(
        tokenValues, m, patchValues, (int) pairs, length, (int) patchShape[1], (int) tokenShape[2]);
  }

  /** A checked [rows, dim] matrix of finite, L2-normalised rows. */
  private static EmbeddingMatrix matrix(TensorInput in) {
    long[] shape = in.tensor().shape();
    requireRank(in.field(), shape, 2, "[rows, dim]");
    if (shape[0] == 0) {
      throw new InvalidInputException(in.field() + " is empty; at least one row is required");
    }
    if (shape[1] == 0) {
      throw new InvalidInputException(in.field() + " rows are empty; embeddings need values");
    }
    float[] values = finiteValues(in, shape);
    int rows = (int) shape[0];
    int dim = (int) shape[1];
    for (int r = 0; r < rows; r++) {
      double squares = Vectors.squaredNorm(values, r * dim, dim);
      if (squares != 0 && !(Math.abs(squares - 1) <= UNIT_LENGTH_TOLERANCE)) {
        throw new InvalidInputException(
            in.field()
                + "["
                + r
                + "]: has length "
                + (float) Math.sqrt(squares)
                + "; embeddings must be L2-normalised (length 1, or 0 for a zero vector)");
      }
    }
    return new EmbeddingMatrix(in.field(), values, rows, dim);
  }

  private static void requireRank(String name, long[] shape, int rank, String form) {
    if (shape.length != rank) {
      throw new InvalidInputException(
          name + " must be " + form + ", but has shape " + Arrays.toString(shape));
    }
  }

  /** Every fixed axis (all but the pair axis) equals the model's declared size. */
  private static void requireDeclared(
      String name, long[] shape, long[] declared, FusionModel model) {
    for (int axis = 1; axis < shape.length; axis++) {
      if (declared[axis] >= 0 && declared[axis] != shape[axis]) {
        throw new InvalidInputException(
            name
                + " has shape "
                + Arrays.toString(shape)
                + ", but model "
                + model.id()
                + " takes "
                + Arrays.toString(declared)
                + " (-1: any size); axis "
                + axis
                + " must be "
                + declared[axis]);
      }
    }
  }

  /** The elements of a FLOAT32 input, after checking that each is finite. */
  private static float[] finiteValues(TensorInput in, long[] shape) {
    float[] v = in.tensor().toFloatArray();
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new InvalidInputException(
            in.field() + index(shape, i) + " is " + v[i] + "; values must be finite");
      }
    }
    return v;
  }

  /** "[r][c]..." of flat index {@code i} in {@code shape}. */
  private static String index(long[] shape, int i) {
    int rank = shape.length;
    StringBuilder out = new StringBuilder();
    long rest = i;
    long[] strides = new long[rank];
    long stride = 1;
    for (int axis = rank - 1; axis >= 0; axis--) {
      strides[axis] = stride;
      stride *= Math.max(shape[axis], 1);
    }
    for (int axis = 0; axis < rank; axis++) {
      out.append('[').append(rest / strides[axis]).append(']');
      rest %= strides[axis];
    }
    return out.toString();
  }
}
