package io.mmserve.gallery;

import io.mmserve.gallery.elastic.ElasticSettings;
import io.mmserve.gallery.index.GalleryLimits;
import io.mmserve.gallery.lucene.LuceneSettings;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.server.ServerConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * gallery-svc's own settings, beside the shared {@link ServerConfig}.
 *
 * @param backend which index holds the collections
 * @param lucene the embedded index: where it stores, how it searches and commits
 * @param elastic the cluster index: where it is and how it lays out and searches collections
 * @param limits what one request may ask
 */
public record GalleryConfig(
    Backend backend, LuceneSettings lucene, ElasticSettings elastic, GalleryLimits limits) {
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
  public static final String ES_URL = "elasticsearch.url";
  public static final String ES_INDEX_PREFIX = "elasticsearch.index-prefix";
  public static final String ES_CONNECT_TIMEOUT = "elasticsearch.connect-timeout";
  public static final String ES_REQUEST_TIMEOUT = "elasticsearch.request-timeout";
  public static final String ES_NUM_CANDIDATES_FACTOR = "elasticsearch.num-candidates-factor";
  public static final String ES_RESCORE_OVERSAMPLE = "elasticsearch.rescore-oversample";
  public static final String ES_SHARDS = "elasticsearch.shards";
  public static final String ES_REPLICAS = "elasticsearch.replicas";

  public static final int DEFAULT_GRPC_PORT = 50055;
  public static final int DEFAULT_ADMIN_PORT = 9095;
  public static final String DEFAULT_DATA_DIR = "data/gallery";

  /** The index backends. */
  public enum Backend {
    /** Embedded Apache Lucene, in the data dir. */
    LUCENE,
    /** An Elasticsearch 8 cluster. */
    ELASTICSEARCH
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
    defaults.put(ES_URL, ElasticSettings.DEFAULT_URL);
    defaults.put(ES_INDEX_PREFIX, ElasticSettings.DEFAULT_INDEX_PREFIX);
    defaults.put(ES_CONNECT_TIMEOUT, "5s");
    defaults.put(ES_REQUEST_TIMEOUT, "30s");
    defaults.put(
        ES_NUM_CANDIDATES_FACTOR, Integer.toString(ElasticSettings.DEFAULT_NUM_CANDIDATES_FACTOR));
    defaults.put(ES_RESCORE_OVERSAMPLE, "4");
    defaults.put(ES_SHARDS, Integer.toString(ElasticSettings.DEFAULT_SHARDS));
    defaults.put(ES_REPLICAS, Integer.toString(ElasticSettings.DEFAULT_REPLICAS));
    return Map.copyOf(defaults);
  }

  /** Reads and validates the settings; the data dir is resolved against the working directory. */
  public static GalleryConfig from(Config config) {
    Backend backend = config.getEnum(BACKEND, Backend.class);
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
    return new GalleryConfig(backend, lucene, elastic(config), limits);
  }

  private static ElasticSettings elastic(Config config) {
    String prefix = config.getString(ES_INDEX_PREFIX);
    if (!ElasticSettings.INDEX_PREFIX.matcher(prefix).matches()) {
      throw invalid(
          config,
          ES_INDEX_PREFIX,
          "must be lower case letters, digits, '_', '-' or '.' (an Elasticsearch index name)",
          prefix);
    }
    return new ElasticSettings(
        urls(config),
        prefix,
        config.getDuration(ES_CONNECT_TIMEOUT, Duration.ofMillis(10), Duration.ofMinutes(10)),
        config.getDuration(ES_REQUEST_TIMEOUT, Duration.ofMillis(100), Duration.ofHours(1)),
        config.getInt(ES_NUM_CANDIDATES_FACTOR, 1, ElasticSettings.MAX_NUM_CANDIDATES),
        config.getDouble(ES_RESCORE_OVERSAMPLE, 1, 100),
        config.getInt(ES_SHARDS, 1, 1024),
        config.getInt(ES_REPLICAS, 0, 16));
  }

  /** One or more {@code http(s)://host:port}, comma-separated. */
  private static List<URI> urls(Config config) {
    List<URI> urls = new ArrayList<>();
    for (String raw : config.getList(ES_URL)) {
      URI url;
      try {
        url = new URI(raw);
      } catch (URISyntaxException e) {
        throw invalid(config, ES_URL, "must be URLs like http://host:9200", raw);
      }
      if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
          || url.getHost() == null
          || url.getPort() < 1
          || !(url.getPath() == null || url.getPath().isEmpty() || url.getPath().equals("/"))) {
        throw invalid(
            config, ES_URL, "must be URLs like http://host:9200 (scheme, host, port)", raw);
      }
      urls.add(url);
    }
    if (urls.isEmpty()) {
      throw invalid(config, ES_URL, "must name at least one URL", "");
    }
    return urls;
  }

  private static ConfigException invalid(Config config, String key, String rule, String raw) {
    return new ConfigException(
        key + " " + rule + ", but was " + raw + " (from " + config.sourceOf(key) + ")");
  }
}
