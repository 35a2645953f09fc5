package io.mmserve.fusion.model;

/**
 * A FLOAT32 array as a caller sent it, not yet checked against the model.
 *
 * @param name the request field, for messages ("image_embeddings")
 * @param shape its dimensions, outermost first
 * @param values its elements, row-major
 */
public record FloatInput(String name, long[] shape, float[] values) {}
