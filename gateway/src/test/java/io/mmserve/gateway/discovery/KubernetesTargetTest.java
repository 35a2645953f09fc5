package io.mmserve.gateway.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class KubernetesTargetTest {
  @Test
  void parse_readsServiceNamespaceAndPortNumber() {
    KubernetesTarget target = KubernetesTarget.parse("kubernetes:///text-encoder.mmserve:50052");

    assertEquals(new KubernetesTarget("text-encoder", "mmserve", "50052"), target);
    assertEquals(50052, target.portNumber());
    assertEquals("text-encoder.mmserve.svc:50052", target.authority());
    assertEquals("kubernetes:///text-encoder.mmserve:50052", target.uri());
  }

  @Test
  void parse_readsPortName() {
    KubernetesTarget target = KubernetesTarget.parse("kubernetes:///fusion.prod:grpc");

    assertEquals("grpc", target.port());
    assertEquals(-1, target.portNumber());
    assertEquals("fusion.prod.svc", target.authority());
  }

  @Test
  void parse_rejectsTargetWithoutNamespace() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KubernetesTarget.parse("kubernetes:///text-encoder:grpc"));

    assertEquals(
        "'kubernetes:///text-encoder:grpc' is not a valid target: it has no namespace"
            + " (service.namespace)",
        e.getMessage());
  }

  @Test
  void parse_rejectsMissingOrBadPort() {
    assertEquals(
        "'kubernetes:///a.b' is not a valid target: it has no port (a number or the Service's"
            + " port name)",
        assertThrows(
                IllegalArgumentException.class, () -> KubernetesTarget.parse("kubernetes:///a.b"))
            .getMessage());
    assertEquals(
        "'kubernetes:///a.b:70000' is not a valid target: port 70000 is not in 1..65535",
        assertThrows(
                IllegalArgumentException.class,
                () -> KubernetesTarget.parse("kubernetes:///a.b:70000"))
            .getMessage());
    assertEquals(
        "'kubernetes:///a.b:Grpc_1' is not a valid target: 'Grpc_1' is neither a port number nor a"
            + " port name",
        assertThrows(
                IllegalArgumentException.class,
                () -> KubernetesTarget.parse("kubernetes:///a.b:Grpc_1"))
            .getMessage());
  }

  @Test
  void parse_rejectsBadNamesAndOtherForms() {
    assertThrows(
        IllegalArgumentException.class, () -> KubernetesTarget.parse("kubernetes:///A.b:1"));
    assertThrows(
        IllegalArgumentException.class, () -> KubernetesTarget.parse("kubernetes:///a.b.c:1"));
    assertThrows(
        IllegalArgumentException.class, () -> KubernetesTarget.parse("kubernetes://host/a.b:1"));
    assertThrows(IllegalArgumentException.class, () -> KubernetesTarget.parse("dns:///a.b:1"));
  }
}
