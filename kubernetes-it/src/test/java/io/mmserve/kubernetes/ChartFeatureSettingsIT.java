package io.mmserve.kubernetes;

import static io.mmserve.kubernetes.ChartRenderingIT.SERVICES;
import static io.mmserve.kubernetes.ChartRenderingIT.at;
import static io.mmserve.kubernetes.ChartRenderingIT.named;
import static io.mmserve.kubernetes.ChartRenderingIT.onlyContainer;
import static io.mmserve.kubernetes.ChartRenderingIT.podTemplate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kubernetes.Manifest.KubeObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The settings files and mounts of the chart's optional features, as {@code helm template} renders
 * them: TLS (each component's Secret, the tls.* files, probes over HTTP; Triton's mutual TLS and
 * the encoders' triton.tls.* files) and canary rollouts (the gateway's rollout.* settings). No
 * cluster: {@link ChartServicesIT} checks the services read them.
 */
class ChartFeatureSettingsIT {
  private static Helm helm;

  @BeforeAll
  static void findHelm() {
    helm = Helm.offline(Path.of("target/helm-home").toAbsolutePath());
  }

  private static Manifest render(Values values) {
    return helm.template(ChartRenderingIT.RELEASE, ChartRenderingIT.NAMESPACE, values);
  }

  private static String deployment(String component) {
    return ChartRenderingIT.RELEASE + "-" + component;
  }

  @Test
  @SuppressWarnings("unchecked")
  void tls_mountsEachComponentsSecretReadOnly_setsTheFiles_andProbesHealthzOverHttp() {
    Manifest manifest =
        render(Values.DEFAULTS.set("tls.enabled=true", "tls.secrets.fusion=fusion-cert"));
    for (String component : SERVICES) {
      KubeObject pod = podTemplate(manifest, component);
      Map<String, Object> secret =
          (Map<String, Object>) named(pod.list("spec", "volumes"), "tls").get("secret");
      String expected = component.equals("fusion") ? "fusion-cert" : deployment(component) + "-tls";
      assertEquals(expected, secret.get("secretName"), component);
      Map<String, Object> container = onlyContainer(pod);
      Map<String, Object> mount = named((List<Object>) container.get("volumeMounts"), "tls");
      assertEquals("/etc/mmserve-tls", mount.get("mountPath"), component);
      assertEquals(Boolean.TRUE, mount.get("readOnly"), component);
      for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
        assertEquals("/healthz", at(container, probe, "httpGet", "path"), component + " " + probe);
      }
      Map<String, String> owned = SettingsFile.of(manifest, component).chartOwned();
      assertEquals("/etc/mmserve-tls/tls.crt", owned.get("tls.cert-file"), component);
      assertEquals("/etc/mmserve-tls/tls.key", owned.get("tls.key-file"), component);
      if (component.equals("gateway")) {
        assertEquals(null, owned.get("tls.client-ca-file"), "callers need no certificate");
        assertEquals("/etc/mmserve-tls/ca.crt", owned.get("backend.tls.ca-file"));
        assertEquals("/etc/mmserve-tls/tls.crt", owned.get("backend.tls.cert-file"));
      } else {
        assertEquals("/etc/mmserve-tls/ca.crt", owned.get("tls.client-ca-file"), component);
      }
    }
    Manifest plain = render(Values.DEFAULTS);
    for (String component : SERVICES) {
      assertTrue(
          podTemplate(plain, component).list("spec", "volumes").stream()
              .noneMatch(v -> "tls".equals(((Map<?, ?>) v).get("name"))),
          component + ": TLS is off by default");
      assertEquals(null, SettingsFile.of(plain, component).chartOwned().get("tls.cert-file"));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void
      tlsWithTriton_startsTritonWithMutualTlsFromItsSecret_andTheEncodersPresentTheirCertificates() {
    Manifest manifest =
        render(
            Values.DEFAULTS.set(
                "tls.enabled=true", "triton.enabled=true", Combination.TRITON_IMAGE));
    KubeObject pod = podTemplate(manifest, "triton");
    Map<String, Object> server = onlyContainer(pod);
    List<Object> args = (List<Object>) server.get("args");
    assertTrue(
        args.containsAll(
            List.of(
                "--grpc-use-ssl=true",
                "--grpc-use-ssl-mutual=true",
                "--grpc-server-cert=/etc/mmserve-tls/tls.crt",
                "--grpc-server-key=/etc/mmserve-tls/tls.key",
                "--grpc-root-cert=/etc/mmserve-tls/ca.crt")),
        args.toString());
    Map<String, Object> secret =
        (Map<String, Object>) named(pod.list("spec", "volumes"), "tls").get("secret");
    assertEquals(deployment("triton") + "-tls", secret.get("secretName"));
    Map<String, Object> mount = named((List<Object>) server.get("volumeMounts"), "tls");
    assertEquals("/etc/mmserve-tls", mount.get("mountPath"));
    assertEquals(Boolean.TRUE, mount.get("readOnly"));
    assertEquals(
        "/v2/health/ready",
        at(server, "readinessProbe", "httpGet", "path"),
        "HTTP stays plaintext");
    for (String encoder : List.of("text-encoder", "vision-encoder")) {
      Map<String, String> owned = SettingsFile.of(manifest, encoder).chartOwned();
      assertEquals("/etc/mmserve-tls/ca.crt", owned.get("triton.tls.ca-file"), encoder);
      assertEquals("/etc/mmserve-tls/tls.crt", owned.get("triton.tls.cert-file"), encoder);
      assertEquals("/etc/mmserve-tls/tls.key", owned.get("triton.tls.key-file"), encoder);
    }
    Manifest renamed =
        render(
            Values.DEFAULTS.set(
                "tls.enabled=true",
                "tls.secrets.triton=triton-cert",
                "triton.enabled=true",
                Combination.TRITON_IMAGE));
    assertEquals(
        "triton-cert",
        ((Map<String, Object>)
                named(podTemplate(renamed, "triton").list("spec", "volumes"), "tls").get("secret"))
            .get("secretName"));

    Manifest plain = render(Values.DEFAULTS.set("triton.enabled=true", Combination.TRITON_IMAGE));
    Map<String, Object> plainServer = onlyContainer(podTemplate(plain, "triton"));
    assertTrue(
        ((List<Object>) plainServer.get("args"))
            .stream().noneMatch(a -> a.toString().startsWith("--grpc-use-ssl")),
        "Triton serves plaintext without tls.enabled");
    assertEquals(
        null, SettingsFile.of(plain, "text-encoder").chartOwned().get("triton.tls.ca-file"));
  }

  @Test
  void tls_makesTheGatewaysHttpServiceHttps() {
    Manifest manifest =
        render(Values.DEFAULTS.set("tls.enabled=true", "gateway.http.enabled=true"));
    assertEquals("https", httpPort(manifest).get("appProtocol"));
    assertEquals(
        "http",
        httpPort(render(Values.DEFAULTS.set("gateway.http.enabled=true"))).get("appProtocol"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> httpPort(Manifest manifest) {
    return named(manifest.get("Service", deployment("gateway")).list("spec", "ports"), "http");
  }

  @Test
  void rollouts_writeTheGatewaysRolloutSettings_andNothingForOtherComponents() {
    Manifest manifest =
        render(
            Values.DEFAULTS.set(
                "rollouts.enabled=true",
                "rollouts.prometheusUrl=http://prometheus.monitoring:9090",
                "rollouts.controller.analysisInterval=30s"));
    Map<String, String> gateway = SettingsFile.of(manifest, "gateway").chartOwned();
    assertEquals("true", gateway.get("rollout.enabled"));
    assertEquals("true", gateway.get("rollout.controller.enabled"));
    assertEquals("http://prometheus.monitoring:9090", gateway.get("rollout.prometheus.url"));
    assertEquals("30s", gateway.get("rollout.analysis-interval"));
    assertEquals("mmserve-rollout-controller", gateway.get("rollout.lease.name"));
    for (String component : SERVICES) {
      if (!component.equals("gateway")) {
        assertEquals(
            null, SettingsFile.of(manifest, component).chartOwned().get("rollout.enabled"));
      }
    }
    assertEquals(
        null,
        SettingsFile.of(render(Values.DEFAULTS), "gateway").chartOwned().get("rollout.enabled"),
        "rollouts are off by default");
  }

  /**
   * Requests that name no model count as the gateway's canary.model; the chart sets it, so a
   * ModelRollout of the default model splits them too.
   */
  @Test
  void gatewaysCanaryModel_isTheFirstPack_orModelPacksDefaultModel_andNotAConfigKey() {
    assertEquals(
        "shapes-clip",
        SettingsFile.of(render(Values.DEFAULTS), "gateway").chartOwned().get("canary.model"));
    assertEquals(
        "clip-b32",
        SettingsFile.of(
                render(Values.DEFAULTS.set("modelPacks.names={clip-b32,shapes-clip}")), "gateway")
            .chartOwned()
            .get("canary.model"));
    assertEquals(
        "openai-clip",
        SettingsFile.of(
                render(
                    Values.DEFAULTS.set(
                        "modelPacks.names={vit-b32}", "modelPacks.defaultModel=openai-clip")),
                "gateway")
            .chartOwned()
            .get("canary.model"));
    for (String component : SERVICES) {
      if (!component.equals("gateway")) {
        assertEquals(
            null,
            SettingsFile.of(render(Values.DEFAULTS), component).all().get("canary.model"),
            component);
      }
    }
    Helm.Result configKey = helm.lint(Values.DEFAULTS.set("gateway.config.canary\\.model=other"));
    assertFalse(configKey.succeeded(), "the schema must refuse gateway.config canary.model");
    assertTrue(configKey.output().contains("canary.model"), configKey.output());
    Helm.Result badName = helm.lint(Values.DEFAULTS.set("modelPacks.defaultModel=shapes@1"));
    assertFalse(badName.succeeded(), "a model name with '@' must be refused");
    assertTrue(badName.output().contains("defaultModel"), badName.output());
  }
}
