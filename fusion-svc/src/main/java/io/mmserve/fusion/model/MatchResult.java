package io.mmserve.fusion.model;

/**
 * Match head outputs, one per pair.
 *
 * @param logits the head's logit of each pair
 * @param probabilities the sigmoid of each logit
 */
public record MatchResult(FusionModel model, float[] logits, float[] probabilities) {}
