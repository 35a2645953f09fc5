package io.mmserve.inference.batch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The metrics of one batcher, the same in every service (see docs/metrics.md), tagged {@code
 * batcher} ({@value #TEXT} or {@value #IMAGE}) and {@code model} (the pack id on the encoders,
 * {@value #ALL_MODELS} on the gateway, whose batcher serves every model):
 *
 * <ul>
 *   <li>{@code mmserve_batch_size}: items per batch call (summary);
 *   <li>{@code mmserve_batch_requests}: caller requests per batch call (summary);
 *   <li>{@code mmserve_batch_queue_seconds}: time an item waited in the queue (timer);
 *   <li>{@code mmserve_batch_call_seconds}: time of a batch call, answered or failed (timer);
 *   <li>{@code mmserve_batch_rejected_items_total}: items refused at once, queue full (counter);
 *   <li>{@code mmserve_batch_dropped_items_total}: queued items dropped because their caller had
 *       gone (counter);
 *   <li>{@code mmserve_batch_queued_items} and {@code mmserve_batch_in_flight}: items waiting and
 *       batch calls out now (gauges, once {@link #watch} is called).
 * </ul>
 */
public final class BatchMetrics implements BatchListener {
  /** The {@code batcher} tag of text batchers. */
  public static final String TEXT = "text";

  /** The {@code batcher} tag of image batchers. */
  public static final String IMAGE = "image";

  /** The {@code model} tag of a batcher that serves every model. */
  public static final String ALL_MODELS = "all";

  private final MeterRegistry registry;
  private final Tags tags;
  private final DistributionSummary size;
  private final DistributionSummary requests;
  private final Timer queued;
  private final Timer call;
  private final Counter rejected;
  private final Counter dropped;

  /**
   * @param batcher {@value #TEXT} or {@value #IMAGE}
   * @param model the pack id, or {@value #ALL_MODELS}
   */
  public BatchMetrics(MeterRegistry registry, String batcher, String model) {
    this.registry = registry;
    this.tags = Tags.of("batcher", batcher, "model", model);
    size =
        DistributionSummary.builder("mmserve.batch.size")
            .description("Items per batch call")
            .tags(tags)
            .register(registry);
    requests =
        DistributionSummary.builder("mmserve.batch.requests")
            .description("Caller requests per batch call")
            .tags(tags)
            .register(registry);
    queued =
        Timer.builder("mmserve.batch.queue")
            .description("Time an item waited in the batch queue")
            .tags(tags)
            .register(registry);
    call =
        Timer.builder("mmserve.batch.call")
            .description("Time of one batch call (a model run, or an encoder call), failed or not")
            .tags(tags)
            .register(registry);
    rejected =
        Counter.builder("mmserve.batch.rejected.items")
            .description("Items refused at once because the batch queue was full")
            .tags(tags)
            .register(registry);
    dropped =
        Counter.builder("mmserve.batch.dropped.items")
            .description("Queued items dropped before their batch call because their caller left")
            .tags(tags)
            .register(registry);
  }

  /** Adds the gauges of {@code batcher}'s queue and calls in flight (held weakly). */
  public void watch(BatcherLoad batcher) {
    Gauge.builder("mmserve.batch.queued.items", batcher, BatcherLoad::queuedItems)
        .description("Items waiting in the batch queue")
        .tags(tags)
        .register(registry);
    Gauge.builder("mmserve.batch.in.flight", batcher, BatcherLoad::inFlight)
        .description("Batch calls sent and not yet answered")
        .tags(tags)
        .register(registry);
  }

  @Override
  public void rejected(int items) {
    rejected.increment(items);
  }

  @Override
  public void dropped(int items) {
    dropped.increment(items);
  }

  @Override
  public void dequeued(long queuedNanos) {
    queued.record(queuedNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void batchStarted(int items, int callers) {
    size.record(items);
    requests.record(callers);
  }

  @Override
  public void batchEnded(int items, long elapsedNanos) {
    call.record(elapsedNanos, TimeUnit.NANOSECONDS);
  }
}
