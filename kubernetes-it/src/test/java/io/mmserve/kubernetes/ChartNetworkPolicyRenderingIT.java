package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kubernetes.Manifest.KubeObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's NetworkPolicies as {@code helm template} renders them for the cases {@link
 * NetworkPolicySelectionIT} does not install: turned off, custom peers, the HTTP port off, the
 * gallery and Triton off. No cluster: what the policies select is checked there.
 */
class ChartNetworkPolicyRenderingIT {
  private static final String RELEASE = ChartRenderingIT.RELEASE;

  private static Helm helm;

  @BeforeAll
  static void findHelm() {
    helm = Helm.offline(Path.of("target/helm-home").toAbsolutePath());
  }

  private static Manifest render(Values values) {
    return helm.template(RELEASE, ChartRenderingIT.NAMESPACE, values);
  }

  @Test
  void disabled_rendersNoPolicy() {
    Manifest off =
        render(
            Values.DEFAULTS.set(
                "networkPolicy.enabled=false", "triton.enabled=true", Combination.TRITON_IMAGE));
    assertEquals(List.of(), off.ofKind("NetworkPolicy"));
  }

  @Test
  void defaults_isolateEveryServiceButTriton_ingressOnly() {
    Manifest manifest = render(Values.DEFAULTS);
    assertEquals(
        Set.of("gateway", "text-encoder", "vision-encoder", "fusion", "gallery").stream()
            .map(c -> RELEASE + "-" + c)
            .collect(Collectors.toSet()),
        manifest.ofKind("NetworkPolicy").stream()
            .map(KubeObject::name)
            .collect(Collectors.toSet()));
    for (KubeObject policy : manifest.ofKind("NetworkPolicy")) {
      assertEquals(List.of("Ingress"), policy.list("spec", "policyTypes"), policy::toString);
      assertTrue(policy.list("spec", "egress").isEmpty(), policy::toString);
    }
  }

  @Test
  void customPeers_areRenderedAsGiven(@TempDir Path dir) throws Exception {
    Path values = dir.resolve("peers.yaml");
    Files.writeString(
        values,
        """
        networkPolicy:
          gatewayFrom:
            - namespaceSelector:
                matchLabels:
                  kubernetes.io/metadata.name: ingress-nginx
            - ipBlock:
                cidr: 10.20.0.0/16
          metricsFrom:
            - namespaceSelector:
                matchLabels:
                  kubernetes.io/metadata.name: observability
              podSelector:
                matchExpressions:
                  - {key: app, operator: In, values: [vmagent]}
        """,
        StandardCharsets.UTF_8);
    Manifest manifest = render(Values.DEFAULTS.file(values));
    List<Object> gatewayRules =
        manifest.get("NetworkPolicy", RELEASE + "-gateway").list("spec", "ingress");
    assertEquals(
        List.of(
            Map.of(
                "namespaceSelector",
                Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "ingress-nginx"))),
            Map.of("ipBlock", Map.of("cidr", "10.20.0.0/16"))),
        new KubeObject(rule(gatewayRules, 0)).list("from"));
    Object scrapers =
        Map.of(
            "namespaceSelector",
            Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "observability")),
            "podSelector",
            Map.of(
                "matchExpressions",
                List.of(Map.of("key", "app", "operator", "In", "values", List.of("vmagent")))));
    for (KubeObject policy : manifest.ofKind("NetworkPolicy")) {
      List<Object> rules = policy.list("spec", "ingress");
      assertEquals(
          List.of(scrapers), new KubeObject(rule(rules, 1)).list("from"), policy::toString);
    }
  }

  @Test
  void withoutHttpGalleryOrWithTriton_thePortsAndPoliciesFollow() {
    Manifest manifest =
        render(
            Values.DEFAULTS.set(
                "gateway.http.enabled=false",
                "gallery.enabled=false",
                "triton.enabled=true",
                Combination.TRITON_IMAGE));
    Set<String> names =
        manifest.ofKind("NetworkPolicy").stream().map(KubeObject::name).collect(Collectors.toSet());
    assertTrue(
        names.contains(RELEASE + "-triton") && !names.contains(RELEASE + "-gallery"),
        names::toString);
    Map<String, Object> gatewayRule =
        rule(manifest.get("NetworkPolicy", RELEASE + "-gateway").list("spec", "ingress"), 0);
    assertEquals(List.of(Map.of("port", 50051, "protocol", "TCP")), gatewayRule.get("ports"));
    Map<String, Object> tritonRule =
        rule(manifest.get("NetworkPolicy", RELEASE + "-triton").list("spec", "ingress"), 0);
    assertEquals(List.of(Map.of("port", 8001, "protocol", "TCP")), tritonRule.get("ports"));
    assertEquals(
        Set.of("text-encoder", "vision-encoder"),
        new KubeObject(tritonRule)
            .list("from").stream()
                .map(
                    peer ->
                        new KubeObject(castMap(peer))
                            .string("podSelector", "matchLabels", "app.kubernetes.io/component"))
                .collect(Collectors.toSet()));
  }

  private static Map<String, Object> rule(List<Object> rules, int index) {
    return castMap(rules.get(index));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object value) {
    return (Map<String, Object>) value;
  }
}
