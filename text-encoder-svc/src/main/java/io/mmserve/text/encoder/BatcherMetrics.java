package io.mmserve.text.encoder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mmserve.inference.batch.BatchListener;
import java.util.concurrent.TimeUnit;

/**
 * A batcher's metrics, tagged {@code batcher}: {@code mmserve_batch_size} (items per model call),
 * {@code mmserve_batch_queue_seconds} (time an item waited), {@code mmserve_batch_call_seconds}
 * (time of a model call) and {@code mmserve_batch_dropped_total} (items dropped because their
 * caller gave up).
 */
final class BatcherMetrics implements BatchListener {
  private final DistributionSummary size;
  private final Timer queued;
  private final Timer call;
  private final Counter dropped;

  BatcherMetrics(MeterRegistry registry, String batcher) {
    size =
        DistributionSummary.builder("mmserve.batch.size")
            .description("items per batch call")
            .tag("batcher", batcher)
            .register(registry);
    queued =
        Timer.builder("mmserve.batch.queue")
            .description("time an item waited for its batch")
            .tag("batcher", batcher)
            .register(registry);
    call =
        Timer.builder("mmserve.batch.call")
            .description("time of a batch call (inference)")
            .tag("batcher", batcher)
            .register(registry);
    dropped =
        Counter.builder("mmserve.batch.dropped")
            .description("items dropped before inference because their caller gave up")
            .tag("batcher", batcher)
            .register(registry);
  }

  @Override
  public void itemDequeued(long queuedNanos) {
    queued.record(queuedNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void itemDropped() {
    dropped.increment();
  }

  @Override
  public void batchCompleted(int items, long elapsedNanos) {
    size.record(items);
    call.record(elapsedNanos, TimeUnit.NANOSECONDS);
  }
}
