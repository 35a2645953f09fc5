package io.mmserve.kit.server;

import io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent;
import io.micrometer.core.instrument.Gauge;
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
 * non-heap memory, GC pauses, threads, class loading, CPU, uptime and open files, and the direct
 * memory gRPC's Netty holds against its limit ({@value #NETTY_DIRECT_USED}, {@value
 * #NETTY_DIRECT_MAX}: Netty allocates it without the JDK's accounting, so {@code
 * jvm_buffer_memory_used_bytes} does not show it). {@link #close()} stops the GC listener; the
 * registry keeps the meters.
 */
public final class StandardMeters implements AutoCloseable {
  public static final String NETTY_DIRECT_USED = "mmserve.netty.direct.used";
  public static final String NETTY_DIRECT_MAX = "mmserve.netty.direct.max";

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
    Gauge.builder(NETTY_DIRECT_USED, PlatformDependent::usedDirectMemory)
        .description("Direct memory gRPC's Netty holds (its buffers); -1 when it cannot tell")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder(NETTY_DIRECT_MAX, PlatformDependent::maxDirectMemory)
        .description("Netty's direct memory limit (-XX:MaxDirectMemorySize)")
        .baseUnit("bytes")
        .register(registry);
  }

  @Override
  public void close() {
    gcMetrics.close();
  }
}
