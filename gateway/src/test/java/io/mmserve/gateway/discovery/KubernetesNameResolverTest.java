package io.mmserve.gateway.discovery;

import static io.mmserve.gateway.discovery.Slices.ipv4;
import static io.mmserve.gateway.discovery.Slices.notReady;
import static io.mmserve.gateway.discovery.Slices.port;
import static io.mmserve.gateway.discovery.Slices.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.kit.client.NameResolvers;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KubernetesNameResolverTest {
  private static final URI TARGET = URI.create("kubernetes:///text.mmserve:grpc");

  private final FakeSliceWatch watch = new FakeSliceWatch();
  private final List<String> opened = new ArrayList<>();
  private final SliceWatches watches =
      new SliceWatches(
          (service, namespace) -> {
            opened.add(service + "." + namespace);
            return watch;
          });
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final KubernetesNameResolverProvider provider =
      new KubernetesNameResolverProvider(watches, new DiscoveryMetrics(registry));
  private final Results results = new Results();

  private NameResolver start() {
    NameResolver resolver = provider.newNameResolver(TARGET, args());
    resolver.start(results);
    return resolver;
  }

  static NameResolver.Args args() {
    return NameResolver.Args.newBuilder()
        .setDefaultPort(443)
        .setProxyDetector(address -> null)
        .setSynchronizationContext(
            new SynchronizationContext(
                (thread, e) -> {
                  throw new AssertionError(e);
                }))
        .setServiceConfigParser(
            new NameResolver.ServiceConfigParser() {
              @Override
              public NameResolver.ConfigOrError parseServiceConfig(java.util.Map<String, ?> raw) {
                return NameResolver.ConfigOrError.fromConfig(raw);
              }
            })
        .setOffloadExecutor(Runnable::run)
        .build();
  }

  @Test
  void start_pushesTheReadyEndpointsOfTheFirstList_namedIpPort() {
    watch.publish(
        ipv4(
            "text-a",
            port("grpc", 50052),
            ready("10.0.0.1"),
            notReady("10.0.0.2"),
            ready("10.0.0.3")));

    start();

    assertEquals(List.of(List.of("10.0.0.1:50052", "10.0.0.3:50052")), results.names());
    EquivalentAddressGroup first = results.groups.getFirst().getFirst();
    assertEquals("10.0.0.1:50052", first.getAttributes().get(NameResolvers.ENDPOINT_NAME));
    InetSocketAddress address =
        assertInstanceOf(InetSocketAddress.class, first.getAddresses().getFirst());
    assertEquals("10.0.0.1", address.getAddress().getHostAddress());
    assertEquals(50052, address.getPort());
  }

  @Test
  void start_beforeTheFirstList_pushesNothing() {
    start();

    assertEquals(List.of(), results.names());
    assertEquals(List.of(), results.errors);
  }

  @Test
  void slicesChange_arePushedAtOnce_andAnUnchangedListIsNotPushedAgain() {
    start();
    watch.publish(ipv4("text-a", port("grpc", 50052), ready("10.0.0.1")));
    watch.publish(ipv4("text-a", port("grpc", 50052), ready("10.0.0.1"), ready("10.0.0.2")));
    watch.publish(ipv4("text-a", port("grpc", 50052), ready("10.0.0.1"), ready("10.0.0.2")));
    watch.publish(ipv4("text-a", port("grpc", 50052), notReady("10.0.0.1"), ready("10.0.0.2")));

    assertEquals(
        List.of(
            List.of("10.0.0.1:50052"),
            List.of("10.0.0.1:50052", "10.0.0.2:50052"),
            List.of("10.0.0.2:50052")),
        results.names());
    assertEquals(
        1.0,
        registry
            .get("mmserve.discovery.endpoints")
            .tag("target", TARGET.toString())
            .gauge()
            .value());
  }

  @Test
  void apiError_beforeTheFirstList_failsTheChannelWithUnavailable() {
    start();
    watch.error("cannot list or watch the EndpointSlices of text.mmserve: connection refused");

    assertEquals(1, results.errors.size());
    assertEquals(Status.Code.UNAVAILABLE, results.errors.getFirst().getCode());
    assertEquals(
        "cannot list or watch the EndpointSlices of text.mmserve: connection refused",
        results.errors.getFirst().getDescription());
  }

  @Test
  void apiError_afterTheFirstList_keepsTheEndpoints() {
    start();
    watch.publish(ipv4("text-a", port("grpc", 50052), ready("10.0.0.1")));
    watch.error("API server restarting");
    NameResolver resolver = provider.newNameResolver(TARGET, args());
    resolver.start(new Results()); // a second channel joins while the API is away

    assertEquals(List.of(), results.errors);
    assertEquals(List.of(List.of("10.0.0.1:50052")), results.names());
  }

  @Test
  void refresh_pushesTheKnownEndpointsAgain_withoutAskingTheApi() {
    NameResolver resolver = start();
    watch.publish(ipv4("text-a", port("grpc", 50052), ready("10.0.0.1")));

    resolver.refresh();

    assertEquals(List.of(List.of("10.0.0.1:50052"), List.of("10.0.0.1:50052")), results.names());
    assertEquals(List.of("text.mmserve"), opened);
  }

  @Test
  void noSlicesLeft_resolvesToNoEndpoints() {
    start();
    watch.publish(ipv4("text-a", port("grpc", 50052), ready("10.0.0.1")));
    watch.publish();

    assertEquals(List.of(List.of("10.0.0.1:50052"), List.of()), results.names());
    assertEquals(List.of(), results.errors);
  }

  @Test
  void watchThatCannotBeOpened_failsTheChannelWithTheReason() {
    SliceWatches failing =
        new SliceWatches(
            (service, namespace) -> {
              throw new IllegalStateException("not running in a Kubernetes pod");
            });
    NameResolver resolver =
        new KubernetesNameResolverProvider(failing, new DiscoveryMetrics(registry))
            .newNameResolver(TARGET, args());

    resolver.start(results);

    assertEquals(
        "cannot watch the Kubernetes API for kubernetes:///text.mmserve:grpc: not running in a"
            + " Kubernetes pod",
        results.errors.getFirst().getDescription());
  }

  @Test
  void resolversOfOneService_shareOneWatch_thatStopsWithTheLast() {
    NameResolver first = start();
    NameResolver second =
        provider.newNameResolver(URI.create("kubernetes:///text.mmserve:50052"), args());
    second.start(new Results());

    assertEquals(List.of("text.mmserve"), opened);
    assertTrue(watch.started);
    first.shutdown();
    assertFalse(watch.closed);
    assertEquals(1, watch.listeners.size());
    second.shutdown();
    assertTrue(watch.closed);
    assertEquals(0, watches.watched());
  }

  @Test
  void afterShutdown_changesAreNotPushed() {
    NameResolver resolver = start();
    resolver.shutdown();

    watch.publish(ipv4("text-a", port("grpc", 50052), ready("10.0.0.1")));

    assertEquals(List.of(), results.names());
  }

  /** What the resolver told its channel. */
  static class Results extends NameResolver.Listener2 {
    final List<List<EquivalentAddressGroup>> groups = new ArrayList<>();
    final List<Status> errors = new ArrayList<>();

    @Override
    public void onResult(NameResolver.ResolutionResult result) {
      if (result.getAddressesOrError().hasValue()) {
        groups.add(result.getAddressesOrError().getValue());
      } else {
        errors.add(result.getAddressesOrError().getStatus());
      }
    }

    @Override
    public void onError(Status error) {
      errors.add(error);
    }

    List<List<String>> names() {
      return groups.stream()
          .map(
              g -> g.stream().map(e -> e.getAttributes().get(NameResolvers.ENDPOINT_NAME)).toList())
          .toList();
    }
  }
}
