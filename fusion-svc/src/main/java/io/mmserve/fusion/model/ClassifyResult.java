package io.mmserve.fusion.model;

/**
 * Zero-shot label scores of I images over K labels.
 *
 * @param logits [I, K] row-major: logit_scale x cosine(image i, label k)
 * @param probabilities [I, K]: the softmax of each row of {@code logits}
 */
public record ClassifyResult(
    FusionModel model, float[] logits, float[] probabilities, int images, int labels) {}
