package io.mmserve.inference.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The Prometheus names and tags of a batcher's metrics, as docs/metrics.md lists them. */
class BatchMetricsTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @Test
  void scrape_showsTheDocumentedNamesWithBatcherAndModelTags() {
    BatchMetrics metrics = new BatchMetrics(registry, BatchMetrics.TEXT, "shapes-clip@1.0.0");
    ManualClock clock = new ManualClock();
    AsyncBatcher<String, String, String> batcher =
        AsyncBatcher.<String, String, String>builder(
                "test", BatchingSettings.ofItems(4, Duration.ZERO, 10, 1), this::answer)
            .clock(clock, clock)
            .listener(metrics)
            .build();
    metrics.watch(batcher);

    batcher.submit("k", List.of("a", "b"), AsyncBatcher.NO_DEADLINE, () -> false).join();

    Set<String> names = new TreeSet<>();
    String scrape = registry.scrape();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("mmserve_")) {
        names.add(line.substring(0, line.indexOf('{')));
        assertTrue(
            line.contains("{batcher=\"text\",model=\"shapes-clip@1.0.0\"}"), "tags of " + line);
      }
    }
    assertEquals(
        new TreeSet<>(
            List.of(
                "mmserve_batch_call_seconds_count",
                "mmserve_batch_call_seconds_max",
                "mmserve_batch_call_seconds_sum",
                "mmserve_batch_dropped_items_total",
                "mmserve_batch_in_flight",
                "mmserve_batch_queue_seconds_count",
                "mmserve_batch_queue_seconds_max",
                "mmserve_batch_queue_seconds_sum",
                "mmserve_batch_queued_items",
                "mmserve_batch_rejected_items_total",
                "mmserve_batch_requests_count",
                "mmserve_batch_requests_max",
                "mmserve_batch_requests_sum",
                "mmserve_batch_size_count",
                "mmserve_batch_size_max",
                "mmserve_batch_size_sum")),
        names,
        scrape);
  }

  private CompletableFuture<List<String>> answer(String key, List<String> items, long deadline) {
    return CompletableFuture.completedFuture(items);
  }
}
