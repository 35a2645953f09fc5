package io.mmserve.gallery.index;

/**
 * What a collection is fixed to when it is created.
 *
 * @param name the collection's name ({@link CollectionNames})
 * @param model the model version its vectors come from
 * @param dimension the length of every vector, at least 1
 */
public record CollectionSpec(String name, ModelRef model, int dimension) {
  public CollectionSpec {
    CollectionNames.check(name);
    if (model == null) {
      throw new IllegalArgumentException("a collection needs a model");
    }
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be >= 1, but was " + dimension);
    }
  }
}
