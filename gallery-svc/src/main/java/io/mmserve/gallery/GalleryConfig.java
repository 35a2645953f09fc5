package io.mmserve.gallery;

import io.mmserve.gallery.index.GalleryLimits;
import io.mmserve.gallery.lucene.LuceneSettings;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.server.ServerConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * gallery-svc's own settings, beside the shared {@link ServerConfig}.
 *
 * @param lucene the embedded index: where it stores, how it searches and commits
 * @param limits what one request may ask
 */
public record GalleryConfig(LuceneSettings lucene, GalleryLimits limits) {
  public static final String DATA_DIR = "data.dir";
  public static final String BACKEND = "index.backend";
  public static final String QUANTIZATION = "index.quantization";
  public static final String HNSW_M = "index.hnsw.m";
  public static final String HNSW_EF_CONSTRUCTION = "index.hnsw.ef-construction";
  public static final String EXACT_MAX_SIZE = "search.exact-max-size";
  public static final String RERANK_OVERSAMPLE = "search.rerank-oversample";
  public static final String EXACT_THREADS = "search.exact-threads";
  public static final String DEFAULT_TOP_K = "search.default-top-k";
  public static final String COMMIT_INTERVAL = "commit.interval";
  public static final String MAX_ITEMS = "limits.max-items";
  public static final String MAX_IDS = "limits.max-ids";
  public static final String MAX_TOP_K = "limits.max-top-k";

  public static final int DEFAULT_GRPC_PORT = 50055;
  public static final int DEFAULT_ADMIN_PORT = 9095;
  public static final String DEFAULT_DATA_DIR = "data/gallery";

  /** The index backends; only the embedded one exists so far. */
  public enum Backend {
    LUCENE
  }

  /** Every setting of the service with its default, the shared ones included. */
  public static Map<String, String> defaults() {
    Map<String, String> defaults =
        new HashMap<>(ServerConfig.defaults(DEFAULT_GRPC_PORT, DEFAULT_ADMIN_PORT));
    defaults.put(DATA_DIR, DEFAULT_DATA_DIR);
    defaults.put(BACKEND, "lucene");
    defaults.put(QUANTIZATION, "int8");
    defaults.put(HNSW_M, Integer.toString(LuceneSettings.DEFAULT_HNSW_M));
    defaults.put(
        HNSW_EF_CONSTRUCTION, Integer.toString(LuceneSettings.DEFAULT_HNSW_EF_CONSTRUCTION));
    defaults.put(EXACT_MAX_SIZE, Integer.toString(LuceneSettings.DEFAULT_EXACT_MAX_SIZE));
    defaults.put(RERANK_OVERSAMPLE, Integer.toString(LuceneSettings.DEFAULT_RERANK_OVERSAMPLE));
    defaults.put(EXACT_THREADS, Integer.toString(LuceneSettings.DEFAULT_EXACT_THREADS));
    defaults.put(DEFAULT_TOP_K, Integer.toString(GalleryLimits.DEFAULT_TOP_K));
    defaults.put(COMMIT_INTERVAL, "30s");
    defaults.put(MAX_ITEMS, Integer.toString(GalleryLimits.DEFAULT_MAX_ITEMS));
    defaults.put(MAX_IDS, Integer.toString(GalleryLimits.DEFAULT_MAX_IDS));
    defaults.put(MAX_TOP_K, Integer.toString(GalleryLimits.DEFAULT_MAX_TOP_K));
    return Map.copyOf(defaults);
  }

  /** Reads and validates the settings; the data dir is resolved against the working directory. */
  public static GalleryConfig from(Config config) {
    config.getEnum(BACKEND, Backend.class);
    int maxTopK = config.getInt(MAX_TOP_K, 1, 100_000);
    LuceneSettings lucene =
        new LuceneSettings(
            config.getPath(DATA_DIR).toAbsolutePath(),
            config.getEnum(QUANTIZATION, LuceneSettings.Quantization.class),
            config.getInt(HNSW_M, 2, 512),
            config.getInt(HNSW_EF_CONSTRUCTION, 1, 3200),
            config.getInt(EXACT_MAX_SIZE, 0, Integer.MAX_VALUE),
            config.getInt(RERANK_OVERSAMPLE, 1, 100),
            config.getInt(EXACT_THREADS, 1, 256),
            config.getDuration(COMMIT_INTERVAL, Duration.ofMillis(100), Duration.ofDays(1)));
    GalleryLimits limits =
        new GalleryLimits(
            config.getInt(MAX_ITEMS, 1, 100_000),
            config.getInt(MAX_IDS, 1, 1_000_000),
            maxTopK,
            config.getInt(DEFAULT_TOP_K, 1, maxTopK),
            GalleryLimits.DEFAULT_MAX_DIMENSION);
    return new GalleryConfig(lucene, limits);
  }
}
