package io.mmserve.gateway.discovery;

import static io.mmserve.gateway.discovery.ClusterObjects.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.NameResolver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.testsupport.ControlPlane;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code kubernetes:///} resolver in this JVM against a real control plane: EndpointSlices
 * published by the real EndpointSlice controller from Pods made Ready by the test, slices the test
 * writes for a selector-less Service, an API server restart, and the watch's threads. Nothing
 * connects to the endpoints, so they are documentation addresses (RFC 5737, RFC 3849).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KubernetesDiscoveryIT {
  private static final String IP = "198.51.100.7";
  private static final String IP_NAME = IP + ":";

  private static ControlPlane controlPlane;
  private static ClusterObjects cluster;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeAll
  static void startCluster() throws Exception {
    controlPlane =
        ControlPlane.start(ClusterObjects.freshStateDir("control-plane-KubernetesDiscoveryIT"));
    cluster = new ClusterObjects(controlPlane.kubeconfig());
    cluster.node();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  private KubernetesDiscovery discovery() {
    return new KubernetesDiscovery(
        new DiscoverySettings(Optional.of(controlPlane.kubeconfig())), registry);
  }

  private static NameResolver resolve(
      KubernetesDiscovery discovery, String target, Results results) {
    NameResolver resolver =
        discovery.provider().newNameResolver(URI.create(target), KubernetesNameResolverTest.args());
    resolver.start(results);
    return resolver;
  }

  @Test
  void endpointSliceController_publishesReadyPods_andTheResolverFollowsEveryChange()
      throws Exception {
    cluster.namespace("it-controller");
    cluster.service("it-controller", "text");
    Results results = new Results();
    try (KubernetesDiscovery discovery = discovery()) {
      NameResolver resolver = resolve(discovery, "kubernetes:///text.it-controller:grpc", results);

      cluster.readyPod("it-controller", "text", "text-a", IP, 40001);
      results.await(List.of(IP_NAME + "40001"));
      cluster.readyPod("it-controller", "text", "text-b", IP, 40002);
      results.await(List.of(IP_NAME + "40001", IP_NAME + "40002"));
      cluster.ready("it-controller", "text-a", IP, false);
      results.await(List.of(IP_NAME + "40002"));
      cluster.deletePod("it-controller", "text-b");
      results.await(List.of());

      resolver.shutdown();
      assertEquals(List.of(), results.errors());
    }
  }

  @Test
  void writtenSlices_ofASelectorlessService_ipv4AndIpv6() throws Exception {
    cluster.namespace("it-written");
    cluster.serviceWithoutSelector("it-written", "fusion");
    cluster.slice(
        "it-written",
        "fusion",
        "fusion-v4",
        "IPv4",
        40011,
        endpoint(IP, true),
        endpoint("198.51.100.8", false));
    cluster.slice(
        "it-written", "fusion", "fusion-v6", "IPv6", 40012, endpoint("2001:db8::7", true));
    Results results = new Results();
    try (KubernetesDiscovery discovery = discovery()) {
      resolve(discovery, "kubernetes:///fusion.it-written:grpc", results);

      results.await(List.of(IP_NAME + "40011", "[2001:db8::7]:40012"));
      cluster.deleteSlice("it-written", "fusion-v6");
      results.await(List.of(IP_NAME + "40011"));
    }
  }

  @Test
  void apiServerRestart_keepsTheEndpoints_andChangesAfterItArrive() throws Exception {
    cluster.namespace("it-restart");
    cluster.service("it-restart", "text");
    cluster.readyPod("it-restart", "text", "text-a", IP, 40021);
    Results results = new Results();
    try (KubernetesDiscovery discovery = discovery()) {
      resolve(discovery, "kubernetes:///text.it-restart:grpc", results);
      results.await(List.of(IP_NAME + "40021"));

      controlPlane.restartApiServer();
      cluster.readyPod("it-restart", "text", "text-b", IP, 40022);
      results.await(List.of(IP_NAME + "40021", IP_NAME + "40022"));

      assertEquals(List.of(), results.errors());
      assertTrue(
          results.all().stream().noneMatch(List::isEmpty),
          () -> "an empty list was pushed: " + results.all());
      System.out.printf(
          "KubernetesDiscoveryIT: lists %.0f, errors %.0f across the restart%n",
          registry.get("mmserve.discovery.lists").counter().count(),
          registry.get("mmserve.discovery.errors").counter().count());
    }
  }

  @Test
  void serviceAccountWithoutTheRole_failsCallsWithTheRefusal_untilTheRoleIsBound()
      throws Exception {
    cluster.namespace("it-rbac");
    cluster.service("it-rbac", "text");
    cluster.readyPod("it-rbac", "text", "text-a", IP, 40041);
    Path kubeconfig =
        new GatewayAccount(cluster.client()).kubeconfig(controlPlane, "it-rbac", "gateway");
    Results results = new Results();
    try (KubernetesDiscovery discovery =
        new KubernetesDiscovery(new DiscoverySettings(Optional.of(kubeconfig)), registry)) {
      resolve(discovery, "kubernetes:///text.it-rbac:grpc", results);
      Waits.await(
          "the channel hears of the refusal",
          Waits.GENEROUS,
          () -> results.errors().stream().anyMatch(e -> e.contains("HTTP 403")),
          () -> "errors " + results.errors());

      new GatewayAccount(cluster.client()).grantEndpointSliceReader("it-rbac", "gateway");

      results.await(List.of(IP_NAME + "40041"));
      assertTrue(registry.get("mmserve.discovery.errors").counter().count() >= 1);
    }
  }

  @Test
  void lastResolverOfAService_stopsItsWatchAndEveryThreadOfIt() throws Exception {
    cluster.namespace("it-threads");
    cluster.service("it-threads", "text");
    cluster.readyPod("it-threads", "text", "text-a", IP, 40031);
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    try (KubernetesDiscovery discovery = discovery()) {
      Results first = new Results();
      Results second = new Results();
      NameResolver one = resolve(discovery, "kubernetes:///text.it-threads:grpc", first);
      NameResolver two = resolve(discovery, "kubernetes:///text.it-threads:40031", second);
      first.await(List.of(IP_NAME + "40031"));
      second.await(List.of(IP_NAME + "40031"));
      assertTrue(watchThreads(before).size() > 0, "the watch runs threads");

      one.shutdown();
      assertTrue(watchThreads(before).size() > 0, "the second resolver still listens");
      two.shutdown();

      Waits.await(
          "the watch's threads end",
          Waits.GENEROUS,
          () -> watchThreads(before).isEmpty(),
          () -> "still running: " + watchThreads(before));
    }
  }

  /** Threads started since {@code before} other than OkHttp's (the client's, until it closes). */
  private static Set<String> watchThreads(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive())
        .map(Thread::getName)
        .filter(name -> !name.startsWith("OkHttp") && !name.startsWith("Okio"))
        .collect(Collectors.toSet());
  }

  /** What a resolver told its channel, from any thread. */
  static final class Results extends KubernetesNameResolverTest.Results {
    @Override
    public synchronized void onResult(NameResolver.ResolutionResult result) {
      super.onResult(result);
    }

    synchronized List<List<String>> all() {
      return names();
    }

    synchronized List<String> errors() {
      return errors.stream().map(Object::toString).toList();
    }

    /** Waits until the last list pushed is {@code wanted}. */
    void await(List<String> wanted) throws InterruptedException {
      Waits.await(
          "the resolver pushes " + wanted,
          Waits.GENEROUS,
          () -> {
            List<List<String>> all = all();
            return !all.isEmpty() && all.getLast().equals(wanted);
          },
          () -> "pushed " + all() + ", errors " + errors());
    }
  }
}
