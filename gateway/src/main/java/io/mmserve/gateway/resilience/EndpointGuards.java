package io.mmserve.gateway.resilience;

import io.grpc.CallOptions;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.mmserve.kit.client.NameResolvers;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EndpointGuard}s of one backend's channel, one per endpoint its name resolver names
 * now, with their meters. The channel's {@link GuardingLoadBalancer} finds it through the channel's
 * name-resolver argument {@link #KEY}, and keeps it in step with the resolved addresses.
 */
final class EndpointGuards implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EndpointGuards.class);

  /** How a backend channel hands its guards to its load balancer. */
  static final NameResolver.Args.Key<EndpointGuards> KEY =
      NameResolver.Args.Key.create("mmserve.endpoint-guards");

  /**
   * What one call's attempts left for its next pick, one per call (see {@link BackendPool}): the
   * endpoints tried, so that a retry prefers another, and the last failure.
   */
  static final CallOptions.Key<CallAttempts> ATTEMPTS = CallOptions.Key.create("mmserve.attempts");

  /**
   * The {@link BreakerScopes scope} of a call, whose breakers judge it (see {@link BackendPool}).
   */
  static final CallOptions.Key<String> SCOPE =
      CallOptions.Key.createWithDefault("mmserve.breaker-scope", BreakerScopes.SHARED);

  private final String backend;
  private final ResilienceSettings settings;
  private final MeterRegistry registry;
  private final Clock clock;
  private final BreakerScopes scopes;
  private final RetryThrottle throttle;
  private final Map<String, EndpointGuard> guards = new LinkedHashMap<>(); // guarded by this
  private final Map<String, List<Meter>> meters = new LinkedHashMap<>(); // guarded by this
  private volatile List<EndpointGuard> snapshot = List.of();

  /** Every reason {@link #countRejected} is given. */
  static final List<String> REJECTED_REASONS =
      List.of("circuit_open", "bulkhead_full", "no_endpoints");

  /** Every outcome {@code mmserve.backend.retries} counts. */
  static final List<String> RETRY_OUTCOMES = List.of("retried", "throttled");

  /**
   * Registers the backend's retry and rejection counters at zero, so that dashboards and alerts see
   * 0 rather than no series before the first retry or rejection.
   */
  EndpointGuards(
      String backend,
      ResilienceSettings settings,
      MeterRegistry registry,
      Clock clock,
      BreakerScopes scopes) {
    this.backend = backend;
    this.settings = settings;
    this.registry = registry;
    this.clock = clock;
    this.scopes = scopes;
    this.throttle =
        new RetryThrottle(
            settings.retry().throttlingMaxTokens(), settings.retry().throttlingTokenRatio());
    RETRY_OUTCOMES.forEach(this::retries);
    REJECTED_REASONS.forEach(this::rejected);
  }

  String backend() {
    return backend;
  }

  /** The name of the endpoint an address group stands for: as its target wrote it, or ip:port. */
  static String nameOf(EquivalentAddressGroup group) {
    String name = group.getAttributes().get(NameResolvers.ENDPOINT_NAME);
    if (name != null) {
      return name;
    }
    SocketAddress address = group.getAddresses().getFirst();
    if (address instanceof InetSocketAddress inet && !inet.isUnresolved()) {
      String ip = inet.getAddress().getHostAddress();
      return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + inet.getPort();
    }
    return address.toString();
  }

  /** Opens guards (and meters) for new endpoints and closes those of endpoints gone. */
  synchronized void update(Collection<String> names) {
    for (String name : names) {
      if (!guards.containsKey(name)) {
        EndpointGuard guard = new EndpointGuard(backend, name, settings, clock, scopes, registry);
        guards.put(name, guard);
        meters.put(name, registerMeters(guard));
        log.info("{}: endpoint {} added", backend, name);
      }
    }
    for (String name : List.copyOf(guards.keySet())) {
      if (!names.contains(name)) {
        guards.remove(name).close();
        meters.remove(name).forEach(registry::remove);
        log.info("{}: endpoint {} removed", backend, name);
      }
    }
    snapshot = List.copyOf(guards.values());
  }

  /** The guard of an endpoint, or null if the endpoint is gone. */
  EndpointGuard get(String name) {
    for (EndpointGuard guard : snapshot) {
      if (guard.name().equals(name)) {
        return guard;
      }
    }
    return null;
  }

  /** The guards now. */
  List<EndpointGuard> all() {
    return snapshot;
  }

  /** The retry throttle of this backend's calls, a bucket per scope. */
  RetryThrottle throttle() {
    return throttle;
  }

  void countRetry() {
    retries("retried").increment();
  }

  void countThrottled() {
    retries("throttled").increment();
  }

  void countRejected(String reason) {
    rejected(reason).increment();
  }

  private Counter retries(String outcome) {
    return Counter.builder("mmserve.backend.retries")
        .description(
            "Retries of backend calls gRPC's retry policy asked for: made, or withheld by the"
                + " retry throttle of the call's version")
        .tags("backend", backend, "outcome", outcome)
        .register(registry);
  }

  private Counter rejected(String reason) {
    return Counter.builder("mmserve.backend.rejected")
        .description("Backend calls refused before they were sent")
        .tags("backend", backend, "reason", reason)
        .register(registry);
  }

  private List<Meter> registerMeters(EndpointGuard e) {
    Tags tags = Tags.of("backend", backend, "endpoint", e.name());
    return List.of(
        Gauge.builder("mmserve.backend.endpoint.connected", e, x -> x.connected() ? 1 : 0)
            .description("1 while the gateway's connection to the endpoint is ready")
            .tags(tags)
            .register(registry),
        Gauge.builder("mmserve.backend.in.flight", e, EndpointGuard::inFlight)
            .description("Calls in flight to the endpoint")
            .tags(tags)
            .register(registry));
  }

  /** Removes every endpoint's meters. */
  @Override
  public void close() {
    update(List.of());
  }
}
