package io.mmserve.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.gallery.index.GalleryLimits;
import io.mmserve.gallery.lucene.LuceneSettings;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.server.ServerConfig;
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
        "index.backend must be one of [lucene], but was faiss (from flag --index.backend)",
        e.getMessage());
  }
}
