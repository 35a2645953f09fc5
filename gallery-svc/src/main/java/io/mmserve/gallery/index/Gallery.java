package io.mmserve.gallery.index;

import io.mmserve.kit.errors.FailedPreconditionException;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.NotFoundException;
import io.mmserve.kit.errors.ResourceLimitException;
import java.util.List;

/**
 * The gallery's rules in front of a {@link VectorIndex}, the same for every backend: collection
 * names, per-call limits, the model version a collection is pinned to, vector dimensions and norms,
 * and the filter syntax. Thread-safe; the caller owns and closes the index.
 *
 * <p>Errors are the kit's exceptions: a bad name, item, vector or filter is {@link
 * InvalidInputException} naming the field, too many items {@link ResourceLimitException}, an
 * unknown collection {@link NotFoundException}, another model version {@link
 * FailedPreconditionException} naming both.
 */
public final class Gallery {
  private final VectorIndex index;
  private final GalleryLimits limits;

  public Gallery(VectorIndex index, GalleryLimits limits) {
    this.index = index;
    this.limits = limits;
  }

  /**
   * The outcome of an upsert.
   *
   * @param upserted items written
   * @param size items in the collection afterwards
   * @param created whether the call created the collection
   */
  public record Upserted(int upserted, long size, boolean created) {}

  /**
   * Writes {@code items}, made by {@code model}, creating the collection pinned to {@code model}
   * and the items' dimension if there is none. Returns once the write is durable.
   */
  public Upserted upsert(String collection, ModelRef model, List<Item> items) {
    checkName(collection);
    if (items.isEmpty()) {
      throw new InvalidInputException(FieldViolation.of("items", "at least one item is required"));
    }
    if (items.size() > limits.maxItems()) {
      throw new ResourceLimitException(
          FieldViolation.of(
              "items",
              items.size() + " items exceed the limit of " + limits.maxItems() + " per call"));
    }
    int dimension = items.getFirst().vector().length;
    if (dimension < 1 || dimension > limits.maxDimension()) {
      throw new InvalidInputException(
          FieldViolation.of(
              "items[0].vector",
              "dimension must be in 1.." + limits.maxDimension() + ", but was " + dimension));
    }
    ItemChecks.checkItems(items, dimension); // before the collection is created
    VectorIndex.Ensured ensured =
        index.ensureCollection(new CollectionSpec(collection, model, dimension));
    CollectionSpec spec = ensured.spec();
    checkModel(spec, model);
    if (spec.dimension() != dimension) {
      ItemChecks.checkVector(
          FieldViolation.of("items[0].vector", "x"), items.getFirst().vector(), spec.dimension());
    }
    long size = index.upsert(collection, items);
    return new Upserted(items.size(), size, ensured.created());
  }

  /** The nearest items; the query vector must come from the collection's model version. */
  public SearchResult search(
      String collection, ModelRef model, float[] vector, int topK, String filter, boolean exact) {
    checkName(collection);
    if (topK < 0 || topK > limits.maxTopK()) {
      throw new ResourceLimitException(
          FieldViolation.of(
              "top_k", "top_k " + topK + " exceeds the limit of " + limits.maxTopK()));
    }
    MetadataFilter parsed = FilterParser.parse(filter);
    CollectionSpec spec = describe(collection).spec();
    checkModel(spec, model);
    ItemChecks.checkVector(FieldViolation.of("query", "x"), vector, spec.dimension());
    int k = topK == 0 ? limits.defaultTopK() : topK;
    return index.search(collection, new SearchQuery(vector, k, parsed, exact));
  }

  /** Removes the items with these ids; unknown ids are ignored. Returns once durable. */
  public int delete(String collection, List<String> ids) {
    checkName(collection);
    if (ids.isEmpty()) {
      throw new InvalidInputException(FieldViolation.of("ids", "at least one id is required"));
    }
    if (ids.size() > limits.maxIds()) {
      throw new ResourceLimitException(
          FieldViolation.of(
              "ids", ids.size() + " ids exceed the limit of " + limits.maxIds() + " per call"));
    }
    describe(collection);
    return index.delete(collection, ids);
  }

  /** Removes a whole collection; returns the items it held. */
  public long drop(String collection) {
    checkName(collection);
    return index.drop(collection);
  }

  /** One collection. */
  public CollectionInfo describe(String collection) {
    checkName(collection);
    return index.describe(collection).orElseThrow(() -> notFound(collection));
  }

  /** Every collection, by name. */
  public List<CollectionInfo> list() {
    return index.list();
  }

  /** The error of a collection that does not exist. */
  public static NotFoundException notFound(String collection) {
    return new NotFoundException("collection '" + collection + "' does not exist");
  }

  private static void checkName(String collection) {
    if (!CollectionNames.isValid(collection)) {
      throw new InvalidInputException(
          FieldViolation.of("collection", CollectionNames.rule(collection)));
    }
  }

  private static void checkModel(CollectionSpec spec, ModelRef model) {
    if (!spec.model().equals(model)) {
      throw new FailedPreconditionException(
          "collection '"
              + spec.name()
              + "' holds embeddings of "
              + spec.model()
              + ", but these come from "
              + model
              + "; embeddings of two model versions are not comparable");
    }
  }
}
