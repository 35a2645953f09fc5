package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.gateway.discovery.DiscoverySettings;
import io.mmserve.gateway.http.HttpSettings;
import io.mmserve.gateway.resilience.ResilienceSettings;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.kit.server.NettyTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {

  @Test
  void defaults_pointAtLocalEncodersWithDocumentedLimits() {
    GatewayConfig config = GatewayConfig.from(Config.of(GatewayConfig.defaults()));

    assertEquals("127.0.0.1:50052", config.textEncoderTarget());
    assertEquals("127.0.0.1:50053", config.visionEncoderTarget());
    assertEquals(RequestLimits.of(256, 64), config.limits());
    assertEquals(Duration.ofSeconds(30), config.defaultDeadline());
    assertEquals(64 << 20, config.maxInboundMessageBytes());
  }

  @Test
  void defaults_runCallsOnTheEventLoopThatReadThem() {
    Config config = Config.of(GatewayConfig.defaults());

    assertEquals(
        NettyTransport.CallExecutor.DIRECT, NettyTransport.Settings.from(config).executor());
  }

  @Test
  void defaults_boundTheBatchQueuesBySmallHeaps() {
    GatewayConfig small = GatewayConfig.from(Config.of(GatewayConfig.defaults(128L << 20)));
    GatewayConfig large = GatewayConfig.from(Config.of(GatewayConfig.defaults(8L << 30)));
    GatewayConfig tiny = GatewayConfig.from(Config.of(GatewayConfig.defaults(16L << 20)));

    assertEquals(8L << 20, small.textBatching().maxQueueBytes());
    assertEquals(32L << 20, small.imageBatching().maxQueueBytes());
    assertEquals(64L << 20, large.textBatching().maxQueueBytes());
    assertEquals(256L << 20, large.imageBatching().maxQueueBytes());
    // never below one batch's bytes, so one full batch can always queue
    assertEquals(tiny.imageBatching().maxBatchBytes(), tiny.imageBatching().maxQueueBytes());
  }

  @Test
  void defaults_queueBytesSetByFlagWinOverTheHeapShare() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(128L << 20),
            List.of("--batching.image.max-queue-bytes=200MiB"),
            Map.of());

    assertEquals(200L << 20, GatewayConfig.from(loaded).imageBatching().maxQueueBytes());
  }

  @Test
  void flags_overrideTargetsAndLimits() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(),
            List.of(
                "--text-encoder.target=10.0.0.1:7000",
                "--limits.max-images=8",
                "--deadline.default=2s"),
            Map.of());

    GatewayConfig config = GatewayConfig.from(loaded);

    assertEquals("10.0.0.1:7000", config.textEncoderTarget());
    assertEquals(8, config.limits().maxImages());
    assertEquals(Duration.ofSeconds(2), config.defaultDeadline());
  }

  @Test
  void http_isOffByDefaultAndTakesItsPortFromFlags() {
    GatewayConfig byDefault = GatewayConfig.from(Config.of(GatewayConfig.defaults()));
    GatewayConfig on =
        GatewayConfig.from(
            ConfigLoader.load(
                GatewayConfig.defaults(),
                List.of("--http.enabled=true", "--http.port=18080"),
                Map.of()));

    assertEquals(new HttpSettings(false, "127.0.0.1", 8080), byDefault.http());
    assertEquals(new HttpSettings(true, "127.0.0.1", 18080), on.http());
  }

  @Test
  void from_rejectsABadHttpSettingShowingTheValue() {
    Config loaded =
        ConfigLoader.load(GatewayConfig.defaults(), List.of("--http.enabled=yes"), Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertTrue(
        e.getMessage().startsWith("http.enabled must be true or false, but was yes"),
        e.getMessage());
  }

  @Test
  void from_rejectsZeroItemLimitShowingTheValue() {
    Config loaded =
        ConfigLoader.load(GatewayConfig.defaults(), List.of("--limits.max-texts=0"), Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertEquals(
        "limits.max-texts must be in 1..100000, but was 0 (from flag --limits.max-texts)",
        e.getMessage());
  }

  @Test
  void defaults_batchingAndResilienceAsDocumented() {
    GatewayConfig config = GatewayConfig.from(Config.of(GatewayConfig.defaults()));

    BatchingSettings text = config.textBatching();
    assertEquals(64, text.maxBatchSize());
    assertEquals(Duration.ZERO, text.maxDelay());
    assertEquals(4096, text.maxQueueItems());
    assertEquals(64L << 20, text.maxQueueBytes());
    assertEquals(4L << 20, text.maxBatchBytes());
    assertEquals(4, text.maxInFlight());
    assertEquals(32, config.imageBatching().maxBatchSize());
    assertEquals(1024, config.imageBatching().maxQueueItems());
    ResilienceSettings fusion = config.fusionResilience();
    assertEquals(ResilienceSettings.LoadBalancing.LEAST_REQUEST, fusion.loadBalancing());
    assertEquals(Duration.ofSeconds(5), fusion.discoveryRefresh());
    assertEquals(
        new ResilienceSettings.BreakerSettings(
            50, 100, Duration.ofSeconds(10), 20, 5, Duration.ofSeconds(1), 2),
        fusion.breaker());
    assertEquals(64, fusion.bulkheadMaxConcurrentCalls());
    assertEquals(
        new ResilienceSettings.RetrySettings(
            3, Duration.ofMillis(10), Duration.ofMillis(200), 2.0, 100, 0.2),
        fusion.retry());
    assertEquals(Duration.ofMillis(100), fusion.retryPushback());
  }

  @Test
  void flags_setBatchingAndResilienceKeys() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(),
            List.of(
                "--batching.text.max-batch-size=8",
                "--batching.text.max-delay=5ms",
                "--batching.text.max-queue-items=100",
                "--batching.text.max-in-flight=2",
                "--batching.image.max-queue-bytes=1MiB",
                "--batching.image.max-batch-bytes=512KiB",
                "--shed.retry-pushback=250ms",
                "--text-encoder.load-balancing=round-robin",
                "--circuit-breaker.minimum-calls=7",
                "--circuit-breaker.open-duration=3s",
                "--bulkhead.max-concurrent-calls=9",
                "--retry.max-attempts=2",
                "--retry.throttling.token-ratio=0.5",
                "--retry.throttling.max-tokens=11"),
            Map.of());

    GatewayConfig config = GatewayConfig.from(loaded);

    assertEquals(8, config.textBatching().maxBatchSize());
    assertEquals(Duration.ofMillis(5), config.textBatching().maxDelay());
    assertEquals(100, config.textBatching().maxQueueItems());
    assertEquals(2, config.textBatching().maxInFlight());
    assertEquals(Duration.ofMillis(250), config.textResilience().retryPushback());
    assertEquals(1L << 20, config.imageBatching().maxQueueBytes());
    assertEquals(512L << 10, config.imageBatching().maxBatchBytes());
    ResilienceSettings text = config.textResilience();
    assertEquals(ResilienceSettings.LoadBalancing.ROUND_ROBIN, text.loadBalancing());
    assertEquals(
        ResilienceSettings.LoadBalancing.LEAST_REQUEST, config.visionResilience().loadBalancing());
    assertEquals(7, text.breaker().minimumCalls());
    assertEquals(Duration.ofSeconds(3), text.breaker().openDuration());
    assertEquals(9, text.bulkheadMaxConcurrentCalls());
    assertEquals(2, text.retry().maxAttempts());
    assertEquals(0.5, text.retry().throttlingTokenRatio());
    assertEquals(11, text.retry().throttlingMaxTokens());
    assertEquals(Duration.ofMillis(250), text.retryPushback());
  }

  @Test
  void from_acceptsAListAndADnsTarget() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(),
            List.of(
                "--text-encoder.target=10.0.0.1:7000,10.0.0.2:7000",
                "--vision-encoder.target=dns:///vision.mmserve.svc:50053"),
            Map.of());

    GatewayConfig config = GatewayConfig.from(loaded);

    assertEquals("10.0.0.1:7000,10.0.0.2:7000", config.textEncoderTarget());
    assertEquals("dns:///vision.mmserve.svc:50053", config.visionEncoderTarget());
  }

  @Test
  void from_rejectsABadTargetNamingTheKeyAndThePart() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(),
            List.of("--vision-encoder.target=10.0.0.1:7000,vision"),
            Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertEquals(
        "vision-encoder.target: 'vision' in target '10.0.0.1:7000,vision' is not host:port",
        e.getMessage());
  }

  @Test
  void from_acceptsKubernetesTargetsAndAKubeconfig(@TempDir Path dir) throws Exception {
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\n");
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(),
            List.of(
                "--text-encoder.target=kubernetes:///text-encoder.mmserve:grpc",
                "--discovery.kubernetes.kubeconfig=" + kubeconfig),
            Map.of());

    GatewayConfig config = GatewayConfig.from(loaded);

    assertEquals("kubernetes:///text-encoder.mmserve:grpc", config.textEncoderTarget());
    assertEquals(Optional.of(kubeconfig), config.discovery().kubeconfig());
    assertTrue(config.usesKubernetesDiscovery());
  }

  @Test
  void defaults_useInClusterConfigForKubernetesTargets() {
    GatewayConfig config = GatewayConfig.from(Config.of(GatewayConfig.defaults()));

    assertEquals(DiscoverySettings.IN_CLUSTER, config.discovery());
    assertFalse(config.usesKubernetesDiscovery());
  }

  @Test
  void from_rejectsAKubernetesTargetWithoutNamespaceNamingTheKey() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(),
            List.of("--fusion.target=kubernetes:///fusion:grpc"),
            Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertEquals(
        "fusion.target: 'kubernetes:///fusion:grpc' is not a valid target: it has no namespace"
            + " (service.namespace)",
        e.getMessage());
  }

  @Test
  void from_rejectsAMissingKubeconfigNamingTheKeyAndThePath() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(),
            List.of("--discovery.kubernetes.kubeconfig=/nonexistent/kubeconfig"),
            Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertEquals(
        "discovery.kubernetes.kubeconfig must name a readable kubeconfig file, but was"
            + " /nonexistent/kubeconfig (from flag --discovery.kubernetes.kubeconfig)",
        e.getMessage());
  }

  @Test
  void thumbnails_offByDefault_andSetByTheirKeys() {
    GatewayConfig defaults = GatewayConfig.from(Config.of(GatewayConfig.defaults()));
    GatewayConfig set =
        GatewayConfig.from(
            ConfigLoader.load(
                GatewayConfig.defaults(),
                List.of("--gallery.thumbnails.max-side=160", "--gallery.thumbnails.quality=70"),
                Map.of()));

    assertEquals(false, defaults.thumbnails().enabled());
    assertEquals(160, set.thumbnails().maxSide());
    assertEquals(70, set.thumbnails().quality());
  }

  @Test
  void from_rejectsAThumbnailSideOverTheCeilingNamingTheKey() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(), List.of("--gallery.thumbnails.max-side=2000"), Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertEquals(
        "gallery.thumbnails.max-side must be in 0..512, but was 2000"
            + " (from flag --gallery.thumbnails.max-side)",
        e.getMessage());
  }

  @Test
  void from_rejectsAnUnknownLoadBalancingNamingTheKey() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(), List.of("--fusion.load-balancing=random"), Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertTrue(e.getMessage().startsWith("fusion.load-balancing "), e::getMessage);
    assertTrue(e.getMessage().contains("random"), e::getMessage);
  }

  @Test
  void from_rejectsAZeroMaxBatchSizeNamingTheKey() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(), List.of("--batching.image.max-batch-size=0"), Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertEquals(
        "batching.image.max-batch-size must be in 1..4096, but was 0"
            + " (from flag --batching.image.max-batch-size)",
        e.getMessage());
  }

  @Test
  void load_refusesTheRenamedMaxQueueKey() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.load(
                    GatewayConfig.defaults(), List.of("--batching.text.max-queue=16"), Map.of()));

    assertTrue(e.getMessage().contains("batching.text.max-queue"), e::getMessage);
  }

  @Test
  void from_rejectsAZeroRetryBackoffNamingTheKey() {
    Config loaded =
        ConfigLoader.load(
            GatewayConfig.defaults(), List.of("--retry.initial-backoff=0ms"), Map.of());

    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(loaded));

    assertTrue(e.getMessage().startsWith("retry.initial-backoff "), e::getMessage);
  }

  @Test
  void load_rejectsTheRetryBudgetKeysThatRetryThrottlingReplaced() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.load(
                    GatewayConfig.defaults(), List.of("--retry.budget.ratio=0.2"), Map.of()));

    assertTrue(e.getMessage().contains("retry.budget.ratio"), e::getMessage);
  }
}
