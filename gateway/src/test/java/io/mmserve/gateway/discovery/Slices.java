package io.mmserve.gateway.discovery;

import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.util.List;

/** EndpointSlices as the EndpointSlice controller writes them, for tests without an API server. */
final class Slices {
  private Slices() {}

  static V1EndpointSlice slice(
      String name,
      String addressType,
      List<DiscoveryV1EndpointPort> ports,
      V1Endpoint... endpoints) {
    return new V1EndpointSlice()
        .metadata(new V1ObjectMeta().name(name).namespace("mmserve"))
        .addressType(addressType)
        .ports(ports)
        .endpoints(List.of(endpoints));
  }

  static V1EndpointSlice ipv4(String name, DiscoveryV1EndpointPort port, V1Endpoint... endpoints) {
    return slice(name, "IPv4", List.of(port), endpoints);
  }

  static DiscoveryV1EndpointPort port(String name, int number) {
    return new DiscoveryV1EndpointPort().name(name).port(number).protocol("TCP");
  }

  static V1Endpoint ready(String ip) {
    return endpoint(ip, true, true, false);
  }

  static V1Endpoint notReady(String ip) {
    return endpoint(ip, false, false, false);
  }

  /** A pod being deleted that still serves: ready false, serving true, terminating true. */
  static V1Endpoint terminating(String ip) {
    return endpoint(ip, false, true, true);
  }

  static V1Endpoint endpoint(String ip, Boolean ready, Boolean serving, Boolean terminating) {
    return new V1Endpoint()
        .addresses(List.of(ip))
        .conditions(
            new V1EndpointConditions().ready(ready).serving(serving).terminating(terminating));
  }
}
