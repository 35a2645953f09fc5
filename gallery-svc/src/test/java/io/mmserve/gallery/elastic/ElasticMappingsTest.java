package io.mmserve.gallery.elastic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.json.JsonData;
import io.mmserve.gallery.index.CollectionSpec;
import io.mmserve.gallery.index.ModelRef;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ElasticMappingsTest {
  private static final CollectionSpec SPEC =
      new CollectionSpec("shapes", new ModelRef("shapes-clip", "1.0.0"), 512);

  @Test
  void spec_readsBackWhatTheMappingsMetaHolds() {
    Map<String, JsonData> meta = ElasticMappings.mapping(SPEC).meta();

    assertEquals(Optional.of(SPEC), ElasticMappings.spec("shapes", meta));
  }

  @Test
  void spec_indexOfAnotherCollectionOrProgram_isEmpty() {
    Map<String, JsonData> meta = ElasticMappings.mapping(SPEC).meta();

    assertTrue(ElasticMappings.spec("circles", meta).isEmpty());
    assertTrue(ElasticMappings.spec("shapes", Map.of()).isEmpty());
    assertTrue(ElasticMappings.spec("shapes", null).isEmpty());
  }

  @Test
  void mapping_isInt8HnswCosineWithFlattenedMetadataAndStrictFields() {
    var mapping = ElasticMappings.mapping(SPEC);
    var vector = mapping.properties().get(ElasticMappings.VECTOR).denseVector();

    assertEquals(512, vector.dims());
    assertEquals("cosine", vector.similarity().jsonValue());
    assertEquals("int8_hnsw", vector.indexOptions().type().jsonValue());
    assertTrue(mapping.properties().get(ElasticMappings.METADATA).isFlattened());
    assertEquals(false, mapping.properties().get(ElasticMappings.STORED).object().enabled());
    assertEquals("strict", mapping.dynamic().jsonValue());
  }
}
