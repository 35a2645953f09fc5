package io.mmserve.gateway.discovery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of Kubernetes discovery: ready endpoints per target ({@code
 * mmserve_discovery_endpoints{target}}), and per watched Service the lists of its EndpointSlices
 * ({@code mmserve_discovery_lists_total{service}}: the first list and every relist after a watch
 * expired or broke) and the list or watch failures ({@code
 * mmserve_discovery_errors_total{service}}). Thread-safe.
 */
final class DiscoveryMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicInteger> endpoints = new ConcurrentHashMap<>();

  DiscoveryMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Sets the number of ready endpoints the resolver of {@code target} gave its channel. */
  void endpoints(KubernetesTarget target, int count) {
    endpoints
        .computeIfAbsent(
            target.uri(),
            uri -> {
              AtomicInteger value = new AtomicInteger();
              Gauge.builder("mmserve.discovery.endpoints", value, AtomicInteger::get)
                  .description(
                      "Ready endpoints of a kubernetes:/// target, as its channel has them")
                  .tag("target", uri)
                  .strongReference(true)
                  .register(registry);
              return value;
            })
        .set(count);
  }

  /** The counters of the watch of one Service ({@code service.namespace}). */
  ServiceCounters service(String service) {
    return new ServiceCounters(
        Counter.builder("mmserve.discovery.lists")
            .description("Complete lists of a Service's EndpointSlices: the first and each relist")
            .tag("service", service)
            .register(registry),
        Counter.builder("mmserve.discovery.errors")
            .description("Failed lists or watches of a Service's EndpointSlices")
            .tag("service", service)
            .register(registry));
  }

  /** Counts one Service's lists and errors. */
  record ServiceCounters(Counter lists, Counter errors) {
    void list() {
      lists.increment();
    }

    void error() {
      errors.increment();
    }
  }
}
