package io.mmserve.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.gallery.index.GalleryLimits;
import io.mmserve.gallery.lucene.LuceneSettings;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.server.ServerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GalleryConfigTest {
  private static GalleryConfig load(String... flags) {
    return GalleryConfig.from(
        ConfigLoader.load(GalleryConfig.defaults(), List.of(flags), Map.of()));
  }

  @Test
  void defaults_areTheDesignPortsAndTheDocumentedValues() {
    ServerConfig server = ServerConfig.from(Config.of(GalleryConfig.defaults()));
    GalleryConfig config = load();

    assertEquals(50055, server.grpcPort());
    assertEquals(9095, server.adminPort());
    assertEquals(Path.of("data/gallery").toAbsolutePath(), config.lucene().dataDir());
    assertEquals(LuceneSettings.Quantization.INT8, config.lucene().quantization());
    assertEquals(10_000, config.lucene().exactMaxSize());
    assertEquals(Duration.ofSeconds(30), config.lucene().commitInterval());
    assertEquals(GalleryLimits.defaults(), config.limits());
  }

  @Test
  void from_readsEachSetting() {
    GalleryConfig config =
        load(
            "--data.dir=/var/gallery",
            "--index.quantization=none",
            "--index.hnsw.m=32",
            "--search.exact-max-size=0",
            "--commit.interval=1h",
            "--limits.max-items=5");

    assertEquals(Path.of("/var/gallery"), config.lucene().dataDir());
    assertEquals(LuceneSettings.Quantization.NONE, config.lucene().quantization());
    assertEquals(32, config.lucene().hnswM());
    assertEquals(0, config.lucene().exactMaxSize());
    assertEquals(Duration.ofHours(1), config.lucene().commitInterval());
    assertEquals(5, config.limits().maxItems());
  }

  @Test
  void from_badQuantization_namesTheKeyAndTheValue() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> load("--index.quantization=int4"));

    assertEquals(
        "index.quantization must be one of [int8, binary, none], but was int4 (from flag"
            + " --index.quantization)",
        e.getMessage());
  }

  @Test
  void from_unknownBackend_namesTheKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> load("--index.backend=faiss"));

    assertEquals(
        "index.backend must be one of [lucene, elasticsearch], but was faiss (from flag"
            + " --index.backend)",
        e.getMessage());
  }

  @Test
  void defaults_areLuceneAndALocalElasticsearch() {
    GalleryConfig config = load();

    assertEquals(GalleryConfig.Backend.LUCENE, config.backend());
    assertEquals(List.of(URI.create("http://127.0.0.1:9200")), config.elastic().urls());
    assertEquals("mmserve-gallery-", config.elastic().indexPrefix());
    assertEquals(10, config.elastic().numCandidatesFactor());
    assertEquals(1, config.elastic().replicas());
  }

  @Test
  void from_readsTheElasticsearchSettings() {
    GalleryConfig config =
        load(
            "--index.backend=elasticsearch",
            "--elasticsearch.url=http://es-0:9200, https://es-1:9243",
            "--elasticsearch.index-prefix=team-a-",
            "--elasticsearch.request-timeout=5s",
            "--elasticsearch.num-candidates-factor=20",
            "--elasticsearch.rescore-oversample=2.5",
            "--elasticsearch.shards=3",
            "--elasticsearch.replicas=2");

    assertEquals(GalleryConfig.Backend.ELASTICSEARCH, config.backend());
    assertEquals(
        List.of(URI.create("http://es-0:9200"), URI.create("https://es-1:9243")),
        config.elastic().urls());
    assertEquals("team-a-", config.elastic().indexPrefix());
    assertEquals(Duration.ofSeconds(5), config.elastic().requestTimeout());
    assertEquals(20, config.elastic().numCandidatesFactor());
    assertEquals(2.5, config.elastic().rescoreOversample());
    assertEquals(3, config.elastic().shards());
    assertEquals(2, config.elastic().replicas());
  }

  @Test
  void from_elasticsearchUrlWithoutPort_namesTheKeyAndTheValue() {
    ConfigException e = assertThrows(ConfigException.class, () -> load("--elasticsearch.url=es-0"));

    assertEquals(
        "elasticsearch.url must be URLs like http://host:9200 (scheme, host, port), but was es-0"
            + " (from flag --elasticsearch.url)",
        e.getMessage());
  }

  @Test
  void from_upperCaseIndexPrefix_namesTheKeyAndTheValue() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> load("--elasticsearch.index-prefix=Gallery-"));

    assertEquals(
        "elasticsearch.index-prefix must be lower case letters, digits, '_', '-' or '.' (an"
            + " Elasticsearch index name), but was Gallery- (from flag"
            + " --elasticsearch.index-prefix)",
        e.getMessage());
  }

  @Test
  void from_numCandidatesFactorOutOfRange_namesTheKey() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> load("--elasticsearch.num-candidates-factor=0"));

    assertEquals(
        "elasticsearch.num-candidates-factor must be in 1..10000, but was 0 (from flag"
            + " --elasticsearch.num-candidates-factor)",
        e.getMessage());
  }
}
