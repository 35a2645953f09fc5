package io.mmserve.gateway.resilience;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of one backend as its target names them: opened (channel, health watch, meters)
 * when an address appears, closed when it goes. A fixed list is resolved once; a {@code dns:///}
 * target again every {@code discoveryRefresh}. {@link #current()} is a snapshot, cheap to read on
 * every call.
 */
final class EndpointSet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EndpointSet.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private final String backend;
  private final Target target;
  private final ResilienceSettings settings;
  private final BackendPool.ChannelFactory channels;
  private final ScheduledExecutorService scheduler;
  private final MeterRegistry registry;
  private final Map<String, Endpoint> endpoints = new LinkedHashMap<>(); // guarded by this
  private final Map<String, List<Meter>> meters = new LinkedHashMap<>(); // guarded by this
  private volatile List<Endpoint> snapshot = List.of();
  private boolean closed; // guarded by this
  private ScheduledFuture<?> refresh; // guarded by this

  EndpointSet(
      String backend,
      Target target,
      ResilienceSettings settings,
      BackendPool.ChannelFactory channels,
      ScheduledExecutorService scheduler,
      MeterRegistry registry) {
    this.backend = backend;
    this.target = target;
    this.settings = settings;
    this.channels = channels;
    this.scheduler = scheduler;
    this.registry = registry;
  }

  /** Resolves the target, opens the endpoints and, for a DNS target, schedules re-resolution. */
  synchronized void start() {
    refresh();
    if (target.isDns()) {
      long every = settings.discoveryRefresh().toNanos();
      refresh = scheduler.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.NANOSECONDS);
    }
  }

  /** The endpoints now. */
  List<Endpoint> current() {
    return snapshot;
  }

  private synchronized void refresh() {
    if (closed) {
      return;
    }
    List<String> addresses;
    try {
      addresses = target.resolve();
    } catch (UnknownHostException e) {
      log.warn("{}: cannot resolve {}: {}", backend, target.dnsHost(), e.getMessage());
      return; // keep the endpoints we have
    }
    for (String address : addresses) {
      if (!endpoints.containsKey(address)) {
        Endpoint endpoint =
            new Endpoint(backend, address, channels.open(address), settings, scheduler);
        endpoints.put(address, endpoint);
        meters.put(address, registerMeters(endpoint));
        endpoint.start();
        log.info("{}: endpoint {} added", backend, address);
      }
    }
    for (String address : List.copyOf(endpoints.keySet())) {
      if (!addresses.contains(address)) {
        endpoints.remove(address).close();
        meters.remove(address).forEach(registry::remove);
        log.info("{}: endpoint {} removed", backend, address);
      }
    }
    snapshot = List.copyOf(endpoints.values());
  }

  private List<Meter> registerMeters(Endpoint e) {
    Tags tags = Tags.of("backend", backend, "endpoint", e.address());
    return List.of(
        Gauge.builder("mmserve.backend.circuit.state", e, Endpoint::circuitStateCode)
            .description("Circuit breaker state: 0 closed, 1 open, 2 half-open")
            .tags(tags)
            .register(registry),
        Gauge.builder("mmserve.backend.endpoint.healthy", e, x -> x.healthy() ? 1 : 0)
            .description("1 while the endpoint's health watch reports SERVING")
            .tags(tags)
            .register(registry),
        Gauge.builder("mmserve.backend.in.flight", e, x -> x.inFlight().get())
            .description("Calls in flight to the endpoint")
            .tags(tags)
            .register(registry));
  }

  /** Closes every endpoint's channel, letting calls in flight finish for a few seconds. */
  @Override
  public void close() throws InterruptedException {
    List<Endpoint> closing;
    synchronized (this) {
      closed = true;
      if (refresh != null) {
        refresh.cancel(false);
      }
      closing = List.copyOf(endpoints.values());
      closing.forEach(Endpoint::close);
    }
    for (Endpoint e : closing) {
      e.awaitClosed(CLOSE_WAIT);
    }
  }
}
