package io.mmserve.gateway.discovery;

import static io.mmserve.gateway.discovery.Slices.endpoint;
import static io.mmserve.gateway.discovery.Slices.ipv4;
import static io.mmserve.gateway.discovery.Slices.notReady;
import static io.mmserve.gateway.discovery.Slices.port;
import static io.mmserve.gateway.discovery.Slices.ready;
import static io.mmserve.gateway.discovery.Slices.slice;
import static io.mmserve.gateway.discovery.Slices.terminating;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadyEndpointsTest {
  private static final KubernetesTarget BY_NAME =
      KubernetesTarget.parse("kubernetes:///text.mmserve:grpc");
  private static final KubernetesTarget BY_NUMBER =
      KubernetesTarget.parse("kubernetes:///text.mmserve:50052");

  private static List<String> names(KubernetesTarget target, V1EndpointSlice... slices) {
    return ReadyEndpoints.of(List.of(slices), target).stream().map(Endpoint::name).toList();
  }

  @Test
  void of_keepsReadyEndpoints_dropsNotReadyAndTerminating() {
    V1EndpointSlice slice =
        ipv4(
            "text-a",
            port("grpc", 50052),
            ready("10.0.0.1"),
            notReady("10.0.0.2"),
            terminating("10.0.0.3"));

    assertEquals(List.of("10.0.0.1:50052"), names(BY_NAME, slice));
  }

  @Test
  void of_readsUnknownReadinessAsReady() {
    V1Endpoint unknown = new V1Endpoint().addresses(List.of("10.0.0.4"));
    V1EndpointSlice slice =
        ipv4("text-a", port("grpc", 50052), unknown, endpoint("10.0.0.5", null, null, null));

    assertEquals(List.of("10.0.0.4:50052", "10.0.0.5:50052"), names(BY_NAME, slice));
  }

  @Test
  void of_joinsSlices_andEachSliceKeepsItsOwnPortNumber() {
    // during a rollout the named port maps to different numbers in different pods' slices
    V1EndpointSlice old = ipv4("text-a", port("grpc", 50052), ready("10.0.0.1"));
    V1EndpointSlice next = ipv4("text-b", port("grpc", 6000), ready("10.0.0.2"));

    assertEquals(List.of("10.0.0.1:50052", "10.0.0.2:6000"), names(BY_NAME, old, next));
  }

  @Test
  void of_numberTargetMatchesThePortNumber_nameTargetTheName() {
    V1EndpointSlice slice =
        slice(
            "text-a", "IPv4", List.of(port("grpc", 50052), port("admin", 9092)), ready("10.0.0.1"));

    assertEquals(List.of("10.0.0.1:50052"), names(BY_NUMBER, slice));
    assertEquals(List.of("10.0.0.1:50052"), names(BY_NAME, slice));
    assertEquals(
        List.of("10.0.0.1:9092"),
        names(KubernetesTarget.parse("kubernetes:///text.mmserve:admin"), slice));
  }

  @Test
  void of_sliceWithoutTheWantedPort_contributesNothing() {
    V1EndpointSlice slice = ipv4("text-a", port("metrics", 9092), ready("10.0.0.1"));

    assertEquals(List.of(), names(BY_NAME, slice));
    assertEquals(List.of(), names(BY_NUMBER, slice));
  }

  @Test
  void of_portWithoutNumberStandsForEveryPort_ofANumberTarget() {
    V1EndpointSlice slice =
        slice("text-a", "IPv4", List.of(new DiscoveryV1EndpointPort().name("")), ready("10.0.0.1"));

    assertEquals(List.of("10.0.0.1:50052"), names(BY_NUMBER, slice));
    assertEquals(List.of(), names(BY_NAME, slice));
  }

  @Test
  void of_sameAddressInTwoSlices_isOneEndpoint() {
    V1EndpointSlice a = ipv4("text-a", port("grpc", 50052), ready("10.0.0.1"), ready("10.0.0.2"));
    V1EndpointSlice b = ipv4("text-b", port("grpc", 50052), ready("10.0.0.1"));

    assertEquals(List.of("10.0.0.1:50052", "10.0.0.2:50052"), names(BY_NAME, a, b));
  }

  @Test
  void of_sameAddressWithDifferentPorts_isTwoEndpoints() {
    // two encoders on 127.0.0.1 in tests: one pod IP, two slices (one per port number)
    V1EndpointSlice a = ipv4("text-a", port("grpc", 50052), ready("127.0.0.1"));
    V1EndpointSlice b = ipv4("text-b", port("grpc", 50062), ready("127.0.0.1"));

    assertEquals(List.of("127.0.0.1:50052", "127.0.0.1:50062"), names(BY_NAME, a, b));
  }

  @Test
  void of_writesIpv6InBrackets_inCanonicalForm() {
    V1EndpointSlice slice =
        slice(
            "text-v6",
            "IPv6",
            List.of(port("grpc", 50052)),
            ready("fd00:0:0:0:0:0:0:7"),
            ready("::1"));

    assertEquals(List.of("[::1]:50052", "[fd00::7]:50052"), names(BY_NAME, slice));
  }

  @Test
  void of_ignoresFqdnSlicesAndEndpointsWithoutAddresses() {
    V1EndpointSlice fqdn =
        slice("text-f", "FQDN", List.of(port("grpc", 50052)), ready("text.example"));
    V1EndpointSlice empty = ipv4("text-e", port("grpc", 50052), new V1Endpoint());

    assertEquals(List.of(), names(BY_NAME, fqdn, empty));
  }

  @Test
  void of_noSlices_isEmpty() {
    assertEquals(List.of(), names(BY_NAME));
  }
}
