package io.mmserve.gateway;

import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;

/**
 * How many items one request may carry. A request with no items is bad input. More texts or images
 * than the limit is over a size limit (RESOURCE_EXHAUSTED); more labels, pairs, candidates or
 * embeddings than the limit breaks a rule of the understanding calls and is INVALID_ARGUMENT, as
 * their issue asks.
 *
 * @param maxTexts most texts in one request (EmbedText, Score)
 * @param maxImages most images in one request (EmbedImage, Classify, Score, image candidates)
 * @param maxLabels most labels in one Classify request
 * @param maxPairs most image-text pairs in one Match request
 * @param maxCandidates most candidates in one Rank request
 * @param maxEmbeddings most caller-given embeddings on one side of a Score request
 */
public record RequestLimits(
    int maxTexts,
    int maxImages,
    int maxLabels,
    int maxPairs,
    int maxCandidates,
    int maxEmbeddings) {

  public static final int DEFAULT_MAX_LABELS = 1000;
  public static final int DEFAULT_MAX_PAIRS = 64;
  public static final int DEFAULT_MAX_CANDIDATES = 1000;
  public static final int DEFAULT_MAX_EMBEDDINGS = 100_000;

  public RequestLimits {
    requirePositive("maxTexts", maxTexts);
    requirePositive("maxImages", maxImages);
    requirePositive("maxLabels", maxLabels);
    requirePositive("maxPairs", maxPairs);
    requirePositive("maxCandidates", maxCandidates);
    requirePositive("maxEmbeddings", maxEmbeddings);
  }

  /** The given text and image limits with the defaults for everything else. */
  public static RequestLimits of(int maxTexts, int maxImages) {
    return new RequestLimits(
        maxTexts,
        maxImages,
        DEFAULT_MAX_LABELS,
        DEFAULT_MAX_PAIRS,
        DEFAULT_MAX_CANDIDATES,
        DEFAULT_MAX_EMBEDDINGS);
  }

  /**
   * Checks the number of texts in a request.
   *
   * @throws InvalidInputException if there are none
   * @throws ResourceLimitException if there are more than {@link #maxTexts()}
   */
  public void checkTextCount(int count) {
    checkTextCount("texts", count);
  }

  /** {@link #checkTextCount(int)} for a field of another name. */
  public void checkTextCount(String field, int count) {
    checkCount(field, "text", count, maxTexts);
  }

  /**
   * Checks the number of images in a request.
   *
   * @throws InvalidInputException if there are none
   * @throws ResourceLimitException if there are more than {@link #maxImages()}
   */
  public void checkImageCount(int count) {
    checkImageCount("images", count);
  }

  /** {@link #checkImageCount(int)} for a field of another name. */
  public void checkImageCount(String field, int count) {
    checkCount(field, "image", count, maxImages);
  }

  /** Checks the number of Classify labels: 1 to {@link #maxLabels()}, else INVALID_ARGUMENT. */
  public void checkLabelCount(int count) {
    checkRuleCount("labels", "label", count, maxLabels, "limits.max-labels");
  }

  /** Checks the number of Match pairs: 1 to {@link #maxPairs()}, else INVALID_ARGUMENT. */
  public void checkPairCount(int count) {
    checkRuleCount("pairs", "pair", count, maxPairs, "limits.max-pairs");
  }

  /** Checks the number of Rank candidates: 1 to {@link #maxCandidates()}, else INVALID_ARGUMENT. */
  public void checkCandidateCount(String field, int count) {
    checkRuleCount(field, "candidate", count, maxCandidates, "limits.max-candidates");
  }

  /** Checks the number of embeddings on one Score side: 1 to {@link #maxEmbeddings()}. */
  public void checkEmbeddingCount(String field, int count) {
    checkRuleCount(field, "embedding", count, maxEmbeddings, "limits.max-embeddings");
  }

  private static void checkCount(String field, String noun, int count, int max) {
    checkNotEmpty(field, noun, count);
    if (count > max) {
      throw new ResourceLimitException(
          FieldViolation.of(
              field, count + " " + noun + "s exceed the limit of " + max + " per request"));
    }
  }

  private static void checkRuleCount(String field, String noun, int count, int max, String key) {
    checkNotEmpty(field, noun, count);
    if (count > max) {
      throw new InvalidInputException(
          FieldViolation.of(
              field,
              count + " " + noun + "s exceed the limit of " + max + " per request (" + key + ")"));
    }
  }

  private static void checkNotEmpty(String field, String noun, int count) {
    if (count == 0) {
      throw new InvalidInputException(
          FieldViolation.of(field, "the request has no " + noun + "s; send at least one " + noun));
    }
  }

  private static void requirePositive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, but was " + value);
    }
  }
}
