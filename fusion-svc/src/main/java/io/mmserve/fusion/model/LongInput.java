package io.mmserve.fusion.model;

/**
 * An INT64 array as a caller sent it, not yet checked against the model.
 *
 * @param name the request field, for messages ("attention_mask")
 * @param shape its dimensions, outermost first
 * @param values its elements, row-major
 */
public record LongInput(String name, long[] shape, long[] values) {}
