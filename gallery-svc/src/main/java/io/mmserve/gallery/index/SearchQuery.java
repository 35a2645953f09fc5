package io.mmserve.gallery.index;

/**
 * A nearest-neighbour query, checked by {@link Gallery}.
 *
 * @param vector the query, L2-normalised, of the collection's dimension
 * @param topK hits wanted, at least 1
 * @param filter which items may be hit
 * @param exact compare with every stored vector instead of an approximate search
 */
public record SearchQuery(float[] vector, int topK, MetadataFilter filter, boolean exact) {}
