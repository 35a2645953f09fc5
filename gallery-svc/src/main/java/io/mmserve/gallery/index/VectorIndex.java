package io.mmserve.gallery.index;

import io.mmserve.kit.errors.NotFoundException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * An index backend: stores collections of vectors with metadata and finds the nearest ones. {@link
 * Gallery} checks every request (names, limits, model versions, dimensions, norms) before it
 * reaches a backend, so a backend stores and searches and nothing more.
 *
 * <p>Every method may be called from many threads at once. A write ({@link #ensureCollection},
 * {@link #upsert}, {@link #delete}, {@link #drop}) returns once it is durable: it survives a crash
 * of the process. A search sees every write that returned before it started. Methods about one
 * collection throw {@link NotFoundException} when there is no such collection.
 *
 * <p>The one contract suite ({@code VectorIndexContractTest}) runs against every backend.
 */
public interface VectorIndex extends AutoCloseable {
  /** The backend's name, listed with each collection ("lucene"). */
  String backend();

  /**
   * Creates the collection if there is none of that name.
   *
   * @return the collection's spec: {@code spec} if it was created now, else the existing one (which
   *     may differ: the caller compares)
   */
  Ensured ensureCollection(CollectionSpec spec);

  /** The collection's spec, size and backend, or empty if there is none. */
  Optional<CollectionInfo> describe(String collection);

  /** Every collection, by name. */
  List<CollectionInfo> list();

  /**
   * Adds the items or replaces those with the same id (later items of one call win).
   *
   * @return items in the collection afterwards
   */
  long upsert(String collection, List<Item> items);

  /**
   * Removes the items with these ids; unknown ids are ignored.
   *
   * @return items removed
   */
  int delete(String collection, Collection<String> ids);

  /** The items nearest to the query that the filter lets through, most similar first. */
  SearchResult search(String collection, SearchQuery query);

  /**
   * Removes the collection and everything it holds.
   *
   * @return items it held
   */
  long drop(String collection);

  /** Makes everything durable and releases the files; the index is unusable afterwards. */
  @Override
  void close();

  /**
   * The outcome of {@link #ensureCollection}.
   *
   * @param spec the collection's spec
   * @param created whether this call created it
   */
  record Ensured(CollectionSpec spec, boolean created) {}
}
