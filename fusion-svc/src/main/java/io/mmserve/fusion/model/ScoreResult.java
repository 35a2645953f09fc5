package io.mmserve.fusion.model;

/**
 * Logits between I images and T texts.
 *
 * @param logitsPerImage [I, T] row-major: logit_scale x cosine(image i, text j)
 * @param logitsPerText [T, I], the transpose
 */
public record ScoreResult(
    FusionModel model,
    float logitScale,
    float[] logitsPerImage,
    float[] logitsPerText,
    int images,
    int texts) {}
