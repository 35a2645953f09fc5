package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class StandardMetersTest {

  @Test
  void standardMeters_includeTheJvmsHeapGcAndProcessMeters() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (StandardMeters meters = new StandardMeters(registry)) {
      String body = registry.scrape();

      assertTrue(body.contains("jvm_memory_used_bytes{area=\"heap\""), "heap in use");
      assertTrue(body.contains("jvm_memory_max_bytes{area=\"heap\""), "heap limit");
      assertTrue(body.contains("jvm_threads_live_threads"), "threads");
      assertTrue(body.contains("jvm_classes_loaded_classes"), "class loading");
      assertTrue(body.contains("process_cpu_usage"), "process CPU");
      assertTrue(body.contains("process_uptime_seconds"), "uptime");
    } finally {
      registry.close();
    }
  }

  @Test
  void nettysDirectMemory_isReportedWithItsLimit() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (StandardMeters meters = new StandardMeters(registry)) {
      var buffer =
          io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(1 << 20);
      try {
        double used = registry.get(StandardMeters.NETTY_DIRECT_USED).gauge().value();
        assertTrue(used >= 1 << 20, "a MiB Netty buffer is counted: " + used);
      } finally {
        buffer.release();
      }
      assertEquals(
          io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent.maxDirectMemory(),
          registry.get(StandardMeters.NETTY_DIRECT_MAX).gauge().value());
      assertTrue(registry.scrape().contains("mmserve_netty_direct_used_bytes"));
    } finally {
      registry.close();
    }
  }
}
