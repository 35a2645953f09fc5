package io.mmserve.gallery.elastic;

import co.elastic.clients.elasticsearch._types.mapping.DenseVectorIndexOptionsType;
import co.elastic.clients.elasticsearch._types.mapping.DenseVectorSimilarity;
import co.elastic.clients.elasticsearch._types.mapping.DynamicMapping;
import co.elastic.clients.elasticsearch._types.mapping.TypeMapping;
import co.elastic.clients.json.JsonData;
import io.mmserve.gallery.index.CollectionSpec;
import io.mmserve.gallery.index.ModelRef;
import java.util.Map;
import java.util.Optional;

/**
 * One collection's index: its mapping, and its spec kept in the mapping's {@code _meta} so that any
 * gallery-svc replica, before or after a restart, reads the same spec from the cluster.
 *
 * <ul>
 *   <li>{@value #ID}: the item's id (keyword; also the document's {@code _id});
 *   <li>{@value #VECTOR}: {@code dense_vector}, HNSW over int8-quantized vectors ({@code
 *       int8_hnsw}), similarity {@code cosine}; Elasticsearch keeps the float vectors beside the
 *       quantized ones for re-scoring;
 *   <li>{@value #METADATA}: {@code flattened}, every value a keyword under its key (term filters,
 *       no mapping field per key, so callers' keys cannot blow up the mapping);
 *   <li>{@value #STORED}: an object that is kept in {@code _source} and not indexed, for what an
 *       item carries beyond vector and metadata.
 * </ul>
 *
 * The mapping is {@code dynamic: strict}: a document with another field is refused.
 */
final class ElasticMappings {
  static final String ID = "id";
  static final String VECTOR = "vector";
  static final String METADATA = "metadata";
  static final String STORED = "stored";

  /** The {@code _meta} keys; {@value #META_COLLECTION} marks an index as a gallery collection. */
  static final String META_COLLECTION = "mmserve_collection";

  static final String META_MODEL_NAME = "model_name";
  static final String META_MODEL_VERSION = "model_version";
  static final String META_DIMENSION = "dimension";

  private ElasticMappings() {}

  /** The mapping of a new index for {@code spec}. */
  static TypeMapping mapping(CollectionSpec spec) {
    return TypeMapping.of(
        m ->
            m.dynamic(DynamicMapping.Strict)
                .meta(
                    Map.of(
                        META_COLLECTION, JsonData.of(spec.name()),
                        META_MODEL_NAME, JsonData.of(spec.model().name()),
                        META_MODEL_VERSION, JsonData.of(spec.model().version()),
                        META_DIMENSION, JsonData.of(spec.dimension())))
                .properties(ID, p -> p.keyword(k -> k))
                .properties(
                    VECTOR,
                    p ->
                        p.denseVector(
                            v ->
                                v.dims(spec.dimension())
                                    .index(true)
                                    .similarity(DenseVectorSimilarity.Cosine)
                                    .indexOptions(
                                        o -> o.type(DenseVectorIndexOptionsType.Int8Hnsw))))
                .properties(METADATA, p -> p.flattened(f -> f))
                .properties(STORED, p -> p.object(o -> o.enabled(false))));
  }

  /**
   * The spec in an index's {@code _meta}, if it is the collection {@code name}'s index; empty for
   * an index that some other program made.
   */
  static Optional<CollectionSpec> spec(String name, Map<String, JsonData> meta) {
    if (meta == null
        || !meta.containsKey(META_COLLECTION)
        || !name.equals(meta.get(META_COLLECTION).to(String.class))) {
      return Optional.empty();
    }
    ModelRef model =
        new ModelRef(
            meta.get(META_MODEL_NAME).to(String.class),
            meta.get(META_MODEL_VERSION).to(String.class));
    return Optional.of(new CollectionSpec(name, model, meta.get(META_DIMENSION).to(Integer.class)));
  }
}
