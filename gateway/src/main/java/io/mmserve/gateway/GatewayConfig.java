package io.mmserve.gateway;

import io.mmserve.gateway.auth.AuthSettings;
import io.mmserve.gateway.discovery.DiscoverySettings;
import io.mmserve.gateway.discovery.KubernetesTarget;
import io.mmserve.gateway.http.HttpSettings;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.gateway.resilience.ResilienceSettings;
import io.mmserve.gateway.routing.CanarySettings;
import io.mmserve.gateway.thumbnail.ThumbnailSettings;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.kit.client.Target;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.server.MethodMessageLimits;
import io.mmserve.kit.server.NettyTransport;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.kit.tls.ClientTlsSettings;
import io.mmserve.rollout.RolloutSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
 * @param textResilience routing, breakers, bulkheads and retries of text-encoder-svc calls
 * @param visionResilience the same for vision-encoder-svc
 * @param fusionResilience the same for fusion-svc
 * @param textBatching the dynamic batcher of text-encoder-svc calls ({@value #TEXT_BATCHING}.*)
 * @param imageBatching the dynamic batcher of vision-encoder-svc calls ({@value #IMAGE_BATCHING}.*)
 * @param discovery how {@code kubernetes:///} targets reach the Kubernetes API
 * @param galleryTarget gRPC target of gallery-svc
 * @param galleryResilience routing, breakers, bulkheads and retries of gallery-svc calls
 * @param http the HTTP/JSON port ({@code http.*})
 * @param thumbnails whether and how upserted images get a thumbnail ({@code gallery.thumbnails.*})
 * @param auth API keys ({@code auth.*})
 * @param backendTls TLS of the channels to the backends ({@value #BACKEND_TLS}{@code .*}); empty:
 *     plaintext
 * @param canary the model version split at start ({@code canary.*})
 * @param rollout the ModelRollout watcher and the rollout controller ({@code rollout.*})
 */
public record GatewayConfig(
    String textEncoderTarget,
    String visionEncoderTarget,
    String fusionTarget,
    RequestLimits limits,
    Duration defaultDeadline,
    int maxInboundMessageBytes,
    int labelEmbeddingCacheEntries,
    ResilienceSettings textResilience,
    ResilienceSettings visionResilience,
    ResilienceSettings fusionResilience,
    BatchingSettings textBatching,
    BatchingSettings imageBatching,
    DiscoverySettings discovery,
    String galleryTarget,
    ResilienceSettings galleryResilience,
    HttpSettings http,
    ThumbnailSettings thumbnails,
    AuthSettings auth,
    Optional<ClientTlsSettings> backendTls,
    CanarySettings canary,
    RolloutSettings rollout) {

  public static final String TEXT_ENCODER_TARGET = "text-encoder.target";
  public static final String VISION_ENCODER_TARGET = "vision-encoder.target";
  public static final String MAX_TEXTS = "limits.max-texts";
  public static final String MAX_IMAGES = "limits.max-images";
  public static final String FUSION_TARGET = "fusion.target";
  public static final String GALLERY_TARGET = "gallery.target";
  public static final String MAX_LABELS = "limits.max-labels";
  public static final String MAX_PAIRS = "limits.max-pairs";
  public static final String MAX_CANDIDATES = "limits.max-candidates";
  public static final String MAX_EMBEDDINGS = "limits.max-embeddings";
  public static final String LABEL_EMBEDDING_CACHE = "cache.label-embeddings";
  public static final String DEFAULT_DEADLINE = "deadline.default";
  public static final String LOAD_BALANCING = ".load-balancing";
  public static final String DISCOVERY_REFRESH = "discovery.refresh-interval";
  public static final String BREAKER_FAILURE_RATE = "circuit-breaker.failure-rate-threshold";
  public static final String BREAKER_SLOW_RATE = "circuit-breaker.slow-call-rate-threshold";
  public static final String BREAKER_SLOW_DURATION = "circuit-breaker.slow-call-duration";
  public static final String BREAKER_WINDOW = "circuit-breaker.window-size";
  public static final String BREAKER_MIN_CALLS = "circuit-breaker.minimum-calls";
  public static final String BREAKER_OPEN = "circuit-breaker.open-duration";
  public static final String BREAKER_HALF_OPEN_CALLS = "circuit-breaker.half-open-calls";
  public static final String BULKHEAD = "bulkhead.max-concurrent-calls";
  public static final String RETRY_ATTEMPTS = "retry.max-attempts";
  public static final String RETRY_INITIAL_BACKOFF = "retry.initial-backoff";
  public static final String RETRY_MAX_BACKOFF = "retry.max-backoff";
  public static final String RETRY_MULTIPLIER = "retry.multiplier";
  public static final String RETRY_THROTTLING_MAX_TOKENS = "retry.throttling.max-tokens";
  public static final String RETRY_THROTTLING_TOKEN_RATIO = "retry.throttling.token-ratio";
  public static final String SHED_PUSHBACK = "shed.retry-pushback";
  public static final String TEXT_BATCHING = "batching.text";
  public static final String IMAGE_BATCHING = "batching.image";
  public static final String BACKEND_TLS = "backend.tls";

  public static final int DEFAULT_GRPC_PORT = 50051;
  public static final int DEFAULT_ADMIN_PORT = 9091;
  public static final String DEFAULT_TEXT_ENCODER_TARGET = "127.0.0.1:50052";
  public static final String DEFAULT_VISION_ENCODER_TARGET = "127.0.0.1:50053";
  public static final String DEFAULT_MAX_TEXTS = "256";
  public static final String DEFAULT_MAX_IMAGES = "64";
  public static final String DEFAULT_FUSION_TARGET = "127.0.0.1:50054";
  public static final String DEFAULT_GALLERY_TARGET = "127.0.0.1:50055";
  public static final String DEFAULT_LABEL_EMBEDDING_CACHE = "100000";
  public static final String DEFAULT_DEADLINE_VALUE = "30s";

  /** The text batcher's defaults: 64 items, no delay, 4096 items and 64 MiB queued, 4 calls. */
  public static final BatchingSettings DEFAULT_TEXT_BATCHING =
      new BatchingSettings(64, Duration.ZERO, 4096, 64L << 20, 4L << 20, 4);

  /**
   * The image batcher's defaults: 32 items, no delay, 1024 items and 256 MiB queued, 4 MiB per
   * call, 4 calls. The gateway writes each call's message into direct memory before sending it, so
   * the calls in flight hold up to 4 x 4 MiB of it (with 32 MiB per call they took more than the
   * gateway's direct memory under a burst of large photos), and an encoder receiving all four stays
   * within its own bound on request bytes, 24 MiB by default ({@code
   * grpc.max-inbound-bytes-in-flight}; with 8 MiB per call it refused the fourth).
   */
  public static final BatchingSettings DEFAULT_IMAGE_BATCHING =
      new BatchingSettings(32, Duration.ZERO, 1024, 256L << 20, 4L << 20, 4);

  /**
   * Requests carry whole images, so the gateway accepts larger messages than the kit's default; the
   * same limit applies to encoder answers.
   */
  public static final String DEFAULT_MAX_INBOUND_MESSAGE_SIZE = "64MiB";

  /**
   * The public methods whose requests carry no images get smaller limits than the 64 MiB of the
   * rest: EmbedText holds 256 texts of 10000 characters (up to 4 bytes each) and some framing.
   */
  public static final String DEFAULT_METHOD_MAX_INBOUND_MESSAGE_SIZE =
      "mmserve.v1.Multimodal/EmbedText=16MiB,mmserve.v1.Multimodal/Delete=1MiB,"
          + "mmserve.v1.Multimodal/ListCollections=64KiB";

  private static final int MAX_ITEMS = 100_000;
  private static final int MAX_EMBEDDINGS_LIMIT = 1_000_000;
  private static final int MAX_CACHE_ENTRIES = 10_000_000;
  private static final Duration MAX_DEADLINE = Duration.ofHours(1);

  /**
   * Every gateway setting with its default, the shared server settings included; the batch queues'
   * byte bounds fit this JVM's heap ({@link #defaults(long)}).
   */
  public static Map<String, String> defaults() {
    return defaults(Runtime.getRuntime().maxMemory());
  }

  /**
   * Every gateway setting with its default for a JVM whose heap may grow to {@code maxHeapBytes}.
   * Queued texts and images live on the heap, so their default byte bounds are the smaller of
   * {@link #DEFAULT_TEXT_BATCHING}'s 64 MiB and 1/16 of the heap, and of {@link
   * #DEFAULT_IMAGE_BATCHING}'s 256 MiB and 1/4 of the heap (never below one batch's bytes): a
   * gateway with a 128 MiB heap queues at most 8 + 32 MiB and sheds load instead of running out of
   * memory under a flood of large images.
   */
  public static Map<String, String> defaults(long maxHeapBytes) {
    Map<String, String> defaults =
        new HashMap<>(ServerConfig.defaults(DEFAULT_GRPC_PORT, DEFAULT_ADMIN_PORT));
    defaults.put(ServerConfig.MAX_INBOUND_MESSAGE_SIZE, DEFAULT_MAX_INBOUND_MESSAGE_SIZE);
    // calls only check, queue and return futures (thumbnails have their own threads): no hand-off
    defaults.put(NettyTransport.EXECUTOR, "direct");
    defaults.put(MethodMessageLimits.KEY, DEFAULT_METHOD_MAX_INBOUND_MESSAGE_SIZE);
    defaults.put(TEXT_ENCODER_TARGET, DEFAULT_TEXT_ENCODER_TARGET);
    defaults.put(VISION_ENCODER_TARGET, DEFAULT_VISION_ENCODER_TARGET);
    defaults.put(MAX_TEXTS, DEFAULT_MAX_TEXTS);
    defaults.put(MAX_IMAGES, DEFAULT_MAX_IMAGES);
    defaults.put(FUSION_TARGET, DEFAULT_FUSION_TARGET);
    defaults.put(GALLERY_TARGET, DEFAULT_GALLERY_TARGET);
    defaults.put(MAX_LABELS, Integer.toString(RequestLimits.DEFAULT_MAX_LABELS));
    defaults.put(MAX_PAIRS, Integer.toString(RequestLimits.DEFAULT_MAX_PAIRS));
    defaults.put(MAX_CANDIDATES, Integer.toString(RequestLimits.DEFAULT_MAX_CANDIDATES));
    defaults.put(MAX_EMBEDDINGS, Integer.toString(RequestLimits.DEFAULT_MAX_EMBEDDINGS));
    defaults.put(LABEL_EMBEDDING_CACHE, DEFAULT_LABEL_EMBEDDING_CACHE);
    defaults.put(DEFAULT_DEADLINE, DEFAULT_DEADLINE_VALUE);
    for (String backend : List.of("text-encoder", "vision-encoder", "fusion", "gallery")) {
      defaults.put(backend + LOAD_BALANCING, "least-request");
    }
    defaults.put(DISCOVERY_REFRESH, "5s");
    defaults.put(DiscoverySettings.KUBECONFIG, "");
    defaults.put(BREAKER_FAILURE_RATE, "50");
    defaults.put(BREAKER_SLOW_RATE, "100");
    defaults.put(BREAKER_SLOW_DURATION, "10s");
    defaults.put(BREAKER_WINDOW, "20");
    defaults.put(BREAKER_MIN_CALLS, "5");
    defaults.put(BREAKER_OPEN, "1s");
    defaults.put(BREAKER_HALF_OPEN_CALLS, "2");
    defaults.put(BULKHEAD, "64");
    defaults.put(RETRY_ATTEMPTS, "3");
    defaults.put(RETRY_INITIAL_BACKOFF, "10ms");
    defaults.put(RETRY_MAX_BACKOFF, "200ms");
    defaults.put(RETRY_MULTIPLIER, "2.0");
    defaults.put(RETRY_THROTTLING_MAX_TOKENS, "100");
    defaults.put(RETRY_THROTTLING_TOKEN_RATIO, "0.2");
    defaults.put(SHED_PUSHBACK, "100ms");
    defaults.putAll(
        BatchingSettings.defaultSettings(
            TEXT_BATCHING, fitToHeap(DEFAULT_TEXT_BATCHING, maxHeapBytes / 16)));
    defaults.putAll(
        BatchingSettings.defaultSettings(
            IMAGE_BATCHING, fitToHeap(DEFAULT_IMAGE_BATCHING, maxHeapBytes / 4)));
    defaults.putAll(HttpSettings.defaults());
    defaults.putAll(ThumbnailSettings.defaults());
    defaults.putAll(AuthSettings.defaults());
    defaults.putAll(ClientTlsSettings.defaults(BACKEND_TLS));
    defaults.putAll(CanarySettings.defaults());
    defaults.putAll(RolloutSettings.DEFAULTS);
    return Map.copyOf(defaults);
  }

  /** {@code batching} with its queue's byte bound lowered to {@code share}, not below one batch. */
  private static BatchingSettings fitToHeap(BatchingSettings batching, long share) {
    long bytes = Math.max(batching.maxBatchBytes(), Math.min(batching.maxQueueBytes(), share));
    return new BatchingSettings(
        batching.maxBatchSize(),
        batching.maxDelay(),
        batching.maxQueueItems(),
        bytes,
        batching.maxBatchBytes(),
        batching.maxInFlight());
  }

  /** True if a backend target is {@code kubernetes:///...}. */
  public boolean usesKubernetesDiscovery() {
    return List.of(textEncoderTarget, visionEncoderTarget, fusionTarget, galleryTarget).stream()
        .anyMatch(t -> KubernetesTarget.SCHEME.equals(Target.parse(t).scheme()));
  }

  private static ResilienceSettings resilience(Config config, String backend) {
    return new ResilienceSettings(
        config.getEnum(backend + LOAD_BALANCING, ResilienceSettings.LoadBalancing.class),
        config.getDuration(DISCOVERY_REFRESH, Duration.ofMillis(100), Duration.ofHours(1)),
        new ResilienceSettings.BreakerSettings(
            (float) config.getDouble(BREAKER_FAILURE_RATE, 1, 100),
            (float) config.getDouble(BREAKER_SLOW_RATE, 1, 100),
            config.getDuration(BREAKER_SLOW_DURATION, Duration.ofMillis(1), Duration.ofHours(1)),
            config.getInt(BREAKER_WINDOW, 1, 100_000),
            config.getInt(BREAKER_MIN_CALLS, 1, 100_000),
            config.getDuration(BREAKER_OPEN, Duration.ofMillis(1), Duration.ofHours(1)),
            config.getInt(BREAKER_HALF_OPEN_CALLS, 1, 10_000)),
        config.getInt(BULKHEAD, 1, 100_000),
        new ResilienceSettings.RetrySettings(
            config.getInt(RETRY_ATTEMPTS, 1, BackendPool.MAX_ATTEMPTS),
            // gRPC's retry policy takes positive back-offs only
            config.getDuration(RETRY_INITIAL_BACKOFF, Duration.ofMillis(1), Duration.ofMinutes(1)),
            config.getDuration(RETRY_MAX_BACKOFF, Duration.ofMillis(1), Duration.ofMinutes(1)),
            config.getDouble(RETRY_MULTIPLIER, 1, 10),
            // retry throttling with gRPC's rules and bounds: 1..1000 tokens, a positive ratio
            config.getInt(RETRY_THROTTLING_MAX_TOKENS, 1, 1000),
            config.getDouble(RETRY_THROTTLING_TOKEN_RATIO, 0.001, 1000)),
        config.getDuration(SHED_PUSHBACK, Duration.ZERO, Duration.ofMinutes(1)));
  }

  /** Reads and validates the gateway settings. */
  public static GatewayConfig from(Config config) {
    for (String key :
        List.of(TEXT_ENCODER_TARGET, VISION_ENCODER_TARGET, FUSION_TARGET, GALLERY_TARGET)) {
      try {
        Target target = Target.parse(config.getString(key));
        if (KubernetesTarget.SCHEME.equals(target.scheme())) {
          KubernetesTarget.parse(target.uri());
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key + ": " + e.getMessage());
      }
    }
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
        config.getInt(LABEL_EMBEDDING_CACHE, 0, MAX_CACHE_ENTRIES),
        resilience(config, "text-encoder"),
        resilience(config, "vision-encoder"),
        resilience(config, "fusion"),
        BatchingSettings.from(config, TEXT_BATCHING),
        BatchingSettings.from(config, IMAGE_BATCHING),
        DiscoverySettings.from(config),
        config.getString(GALLERY_TARGET),
        resilience(config, "gallery"),
        HttpSettings.from(config),
        ThumbnailSettings.from(config),
        AuthSettings.from(config),
        ClientTlsSettings.from(config, BACKEND_TLS),
        CanarySettings.from(config),
        RolloutSettings.from(config));
  }
}
