package io.mmserve.gateway.discovery;

import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The endpoints that may take new calls, from the EndpointSlices of one Service: pure, no API
 * calls.
 *
 * <ul>
 *   <li>An endpoint counts when its {@code conditions.ready} is true or unset (the API says to read
 *       an unknown state as ready) and it is not {@code terminating}: a terminating pod that still
 *       serves finishes its calls but gets no new ones.
 *   <li>Its port comes from its slice's ports: the entry with the target's port name, or the entry
 *       with the target's port number (an entry without a port number stands for every port). A
 *       slice without such an entry contributes nothing.
 *   <li>IPv4 and IPv6 slices count (an endpoint's first address: the API makes its addresses
 *       fungible); FQDN slices do not.
 *   <li>The same address and port in several slices (a pod moving between slices) is one endpoint.
 * </ul>
 */
final class ReadyEndpoints {
  private ReadyEndpoints() {}

  /** The ready endpoints of {@code target}'s port in {@code slices}, sorted by name. */
  static List<Endpoint> of(Collection<V1EndpointSlice> slices, KubernetesTarget target) {
    TreeSet<Endpoint> endpoints = new TreeSet<>();
    for (V1EndpointSlice slice : slices) {
      if (!isIpSlice(slice)) {
        continue;
      }
      for (int port : ports(slice, target)) {
        for (V1Endpoint endpoint :
            Objects.requireNonNullElse(slice.getEndpoints(), List.<V1Endpoint>of())) {
          List<String> addresses = endpoint.getAddresses();
          if (isReady(endpoint.getConditions()) && addresses != null && !addresses.isEmpty()) {
            endpoints.add(new Endpoint(addresses.getFirst(), port));
          }
        }
      }
    }
    return List.copyOf(endpoints);
  }

  private static boolean isIpSlice(V1EndpointSlice slice) {
    return "IPv4".equals(slice.getAddressType()) || "IPv6".equals(slice.getAddressType());
  }

  /** The port numbers of the slice's entries that match the target's port. */
  private static List<Integer> ports(V1EndpointSlice slice, KubernetesTarget target) {
    List<Integer> ports = new ArrayList<>(1);
    int wanted = target.portNumber();
    for (DiscoveryV1EndpointPort port :
        Objects.requireNonNullElse(slice.getPorts(), List.<DiscoveryV1EndpointPort>of())) {
      if (port.getProtocol() != null && !"TCP".equals(port.getProtocol())) {
        continue;
      }
      Integer number = port.getPort();
      if (wanted > 0) {
        if (number == null || number == wanted) {
          ports.add(wanted);
        }
      } else if (target.port().equals(port.getName()) && number != null) {
        ports.add(number);
      }
    }
    return ports;
  }

  private static boolean isReady(V1EndpointConditions conditions) {
    return conditions == null
        || (!Boolean.FALSE.equals(conditions.getReady())
            && !Boolean.TRUE.equals(conditions.getTerminating()));
  }
}
