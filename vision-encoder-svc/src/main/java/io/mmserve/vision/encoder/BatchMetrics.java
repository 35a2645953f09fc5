package io.mmserve.vision.encoder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mmserve.inference.batch.BatchListener;
import java.util.concurrent.TimeUnit;

/**
 * Records a batcher's work as Prometheus metrics tagged with the model: {@code mmserve_batch_size}
 * (items per model call), {@code mmserve_batch_queue_seconds} (time an item waited for its batch),
 * {@code mmserve_batch_dropped_total} (items dropped because their caller gave up) and {@code
 * mmserve_backend_inference_seconds} (duration of each model call).
 */
final class BatchMetrics implements BatchListener {
  private final DistributionSummary batchSize;
  private final Timer queueTime;
  private final Counter dropped;
  private final Timer inference;

  BatchMetrics(MeterRegistry registry, String model) {
    batchSize =
        DistributionSummary.builder("mmserve.batch.size")
            .description("items per model call")
            .tag("model", model)
            .register(registry);
    queueTime =
        Timer.builder("mmserve.batch.queue")
            .description("time an item waited in the batcher's queue")
            .tag("model", model)
            .register(registry);
    dropped =
        Counter.builder("mmserve.batch.dropped")
            .description("items dropped before the model call because their caller gave up")
            .tag("model", model)
            .register(registry);
    inference =
        Timer.builder("mmserve.backend.inference")
            .description("duration of one model call on the inference backend")
            .tag("model", model)
            .register(registry);
  }

  @Override
  public void itemDequeued(long queuedNanos) {
    queueTime.record(queuedNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void itemDropped() {
    dropped.increment();
  }

  @Override
  public void batchCompleted(int size, long elapsedNanos) {
    batchSize.record(size);
    inference.record(elapsedNanos, TimeUnit.NANOSECONDS);
  }
}
