package io.mmserve.gateway;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.server.ServerConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The gateway's settings beyond the shared {@link ServerConfig}.
 *
 * @param textEncoderTarget gRPC target of text-encoder-svc
 * @param visionEncoderTarget gRPC target of vision-encoder-svc
 * @param fusionTarget gRPC target of fusion-svc
 * @param limits items per request
 * @param defaultDeadline the deadline of backend calls made for a caller that sent none
 * @param maxInboundMessageBytes largest message accepted, from clients and from the backends
 * @param labelEmbeddingCacheEntries most label-prompt embeddings kept; 0 turns the cache off
 */
public record GatewayConfig(
    String textEncoderTarget,
    String visionEncoderTarget,
    String fusionTarget,
    RequestLimits limits,
    Duration defaultDeadline,
    int maxInboundMessageBytes,
    int labelEmbeddingCacheEntries) {

  public static final String TEXT_ENCODER_TARGET = "text-encoder.target";
  public static final String VISION_ENCODER_TARGET = "vision-encoder.target";
  public static final String MAX_TEXTS = "limits.max-texts";
  public static final String MAX_IMAGES = "limits.max-images";
  public static final String FUSION_TARGET = "fusion.target";
  public static final String MAX_LABELS = "limits.max-labels";
  public static final String MAX_PAIRS = "limits.max-pairs";
  public static final String MAX_CANDIDATES = "limits.max-candidates";
  public static final String MAX_EMBEDDINGS = "limits.max-embeddings";
  public static final String LABEL_EMBEDDING_CACHE = "cache.label-embeddings";
  public static final String DEFAULT_DEADLINE = "deadline.default";

  public static final int DEFAULT_GRPC_PORT = 50051;
  public static final int DEFAULT_ADMIN_PORT = 9091;
  public static final String DEFAULT_TEXT_ENCODER_TARGET = "127.0.0.1:50052";
  public static final String DEFAULT_VISION_ENCODER_TARGET = "127.0.0.1:50053";
  public static final String DEFAULT_MAX_TEXTS = "256";
  public static final String DEFAULT_MAX_IMAGES = "64";
  public static final String DEFAULT_FUSION_TARGET = "127.0.0.1:50054";
  public static final String DEFAULT_LABEL_EMBEDDING_CACHE = "100000";
  public static final String DEFAULT_DEADLINE_VALUE = "30s";

  /**
   * Requests carry whole images, so the gateway accepts larger messages than the kit's default; the
   * same limit applies to encoder answers.
   */
  public static final String DEFAULT_MAX_INBOUND_MESSAGE_SIZE = "64MiB";

  private static final int MAX_ITEMS = 100_000;
  private static final int MAX_EMBEDDINGS_LIMIT = 1_000_000;
  private static final int MAX_CACHE_ENTRIES = 10_000_000;
  private static final Duration MAX_DEADLINE = Duration.ofHours(1);

  /** Every gateway setting with its default, the shared server settings included. */
  public static Map<String, String> defaults() {
    Map<String, String> defaults =
        new HashMap<>(ServerConfig.defaults(DEFAULT_GRPC_PORT, DEFAULT_ADMIN_PORT));
    defaults.put(ServerConfig.MAX_INBOUND_MESSAGE_SIZE, DEFAULT_MAX_INBOUND_MESSAGE_SIZE);
    defaults.put(TEXT_ENCODER_TARGET, DEFAULT_TEXT_ENCODER_TARGET);
    defaults.put(VISION_ENCODER_TARGET, DEFAULT_VISION_ENCODER_TARGET);
    defaults.put(MAX_TEXTS, DEFAULT_MAX_TEXTS);
    defaults.put(MAX_IMAGES, DEFAULT_MAX_IMAGES);
    defaults.put(FUSION_TARGET, DEFAULT_FUSION_TARGET);
    defaults.put(MAX_LABELS, Integer.toString(RequestLimits.DEFAULT_MAX_LABELS));
    defaults.put(MAX_PAIRS, Integer.toString(RequestLimits.DEFAULT_MAX_PAIRS));
    defaults.put(MAX_CANDIDATES, Integer.toString(RequestLimits.DEFAULT_MAX_CANDIDATES));
    defaults.put(MAX_EMBEDDINGS, Integer.toString(RequestLimits.DEFAULT_MAX_EMBEDDINGS));
    defaults.put(LABEL_EMBEDDING_CACHE, DEFAULT_LABEL_EMBEDDING_CACHE);
    defaults.put(DEFAULT_DEADLINE, DEFAULT_DEADLINE_VALUE);
    return Map.copyOf(defaults);
  }

  /** Reads and validates the gateway settings. */
  public static GatewayConfig from(Config config) {
    return new GatewayConfig(
        config.getString(TEXT_ENCODER_TARGET),
        config.getString(VISION_ENCODER_TARGET),
        config.getString(FUSION_TARGET),
        new RequestLimits(
            config.getInt(MAX_TEXTS, 1, MAX_ITEMS),
            config.getInt(MAX_IMAGES, 1, MAX_ITEMS),
            config.getInt(MAX_LABELS, 1, MAX_ITEMS),
            config.getInt(MAX_PAIRS, 1, MAX_ITEMS),
            config.getInt(MAX_CANDIDATES, 1, MAX_ITEMS),
            config.getInt(MAX_EMBEDDINGS, 1, MAX_EMBEDDINGS_LIMIT)),
        config.getDuration(DEFAULT_DEADLINE, Duration.ofMillis(1), MAX_DEADLINE),
        ServerConfig.from(config).maxInboundMessageBytes(),
        config.getInt(LABEL_EMBEDDING_CACHE, 0, MAX_CACHE_ENTRIES));
  }
}
