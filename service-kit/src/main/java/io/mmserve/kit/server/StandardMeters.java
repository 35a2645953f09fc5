package io.mmserve.kit.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The meters every service reports besides its own, bound once by {@link ServiceRunner}: heap and
 * non-heap memory, GC pauses, threads, class loading, CPU, uptime and open files. {@link #close()}
 * stops the GC listener; the registry keeps the meters.
 */
public final class StandardMeters implements AutoCloseable {
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

  /** Binds the standard meters to {@code registry}. */
  public StandardMeters(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  @Override
  public void close() {
    gcMetrics.close();
  }
}
