package io.mmserve.fusion.model;

import io.mmserve.kit.errors.InvalidInputException;
import java.util.Arrays;

/**
 * Checks a caller's arrays against the rules of fusion-svc and the served model, and turns them
 * into checked values. Every failure is an {@link InvalidInputException} naming the field, the
 * index where there is one, and the rule.
 */
final class FusionInputs {
  private FusionInputs() {}

  /** Two embedding matrices of the same width, that of the model's embeddings. */
  static EmbeddingMatrix[] embeddingPair(FloatInput a, FloatInput b, FusionModel model) {
    EmbeddingMatrix first = matrix(a);
    EmbeddingMatrix second = matrix(b);
    if (first.dim() != second.dim()) {
      throw new InvalidInputException(
          a.name()
              + " rows have "
              + first.dim()
              + " values but "
              + b.name()
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
      FloatInput tokens, LongInput mask, FloatInput patches, FusionModel model, int maxPairs) {
    requirePresent(tokens.name(), tokens.shape());
    requirePresent(mask.name(), mask.shape());
    requirePresent(patches.name(), patches.shape());
    requireRank(tokens.name(), tokens.shape(), 3, "[pairs, tokens, width]");
    requireRank(mask.name(), mask.shape(), 2, "[pairs, tokens]");
    requireRank(patches.name(), patches.shape(), 3, "[pairs, patches, width]");
    long pairs = tokens.shape()[0];
    if (pairs == 0) {
      throw new InvalidInputException(tokens.name() + " is empty; at least one pair is required");
    }
    if (mask.shape()[0] != pairs || patches.shape()[0] != pairs) {
      throw new InvalidInputException(
          "pair counts differ: "
              + tokens.name()
              + " has "
              + pairs
              + ", "
              + mask.name()
              + " "
              + mask.shape()[0]
              + ", "
              + patches.name()
              + " "
              + patches.shape()[0]);
    }
    if (pairs > maxPairs) {
      throw new InvalidInputException(
          pairs + " pairs exceed the limit of " + maxPairs + " pairs per request");
    }
    requireDeclared(tokens.name(), tokens.shape(), model.tokenShape(), model);
    requireDeclared(patches.name(), patches.shape(), model.patchShape(), model);
    requireDeclared(mask.name(), mask.shape(), model.maskShape(), model);
    if (mask.shape()[1] != tokens.shape()[1]) {
      throw new InvalidInputException(
          mask.name()
              + " has shape "
              + Arrays.toString(mask.shape())
              + " but "
              + tokens.name()
              + " has "
              + tokens.shape()[1]
              + " tokens per text; the mask must be ["
              + pairs
              + ", "
              + tokens.shape()[1]
              + "]");
    }
    requireFinite(tokens, 3);
    requireFinite(patches, 3);
    long[] m = mask.values();
    int length = (int) mask.shape()[1];
    for (int i = 0; i < m.length; i++) {
      if (m[i] != 0 && m[i] != 1) {
        throw new InvalidInputException(
            mask.name()
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
        tokens.values(),
        mask.values(),
        patches.values(),
        (int) pairs,
        length,
        (int) patches.shape()[1],
        (int) tokens.shape()[2]);
  }

  private static EmbeddingMatrix matrix(FloatInput in) {
    requirePresent(in.name(), in.shape());
    requireRank(in.name(), in.shape(), 2, "[rows, dim]");
    if (in.shape()[0] == 0) {
      throw new InvalidInputException(in.name() + " is empty; at least one row is required");
    }
    if (in.shape()[1] == 0) {
      throw new InvalidInputException(in.name() + " rows are empty; embeddings need values");
    }
    requireFinite(in, 2);
    return new EmbeddingMatrix(in.name(), in.values(), (int) in.shape()[0], (int) in.shape()[1]);
  }

  private static void requirePresent(String name, long[] shape) {
    if (shape == null) {
      throw new InvalidInputException(name + " is required");
    }
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

  private static void requireFinite(FloatInput in, int rank) {
    float[] v = in.values();
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new InvalidInputException(
            in.name() + index(in.shape(), i, rank) + " is " + v[i] + "; values must be finite");
      }
    }
  }

  /** "[r][c]..." of flat index {@code i} in {@code shape}. */
  private static String index(long[] shape, int i, int rank) {
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
