package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kubernetes.Manifest.KubeObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Kubernetes hardening of issue 14 in every pod the chart renders, Triton's and its init
 * containers included: non-root, seccomp RuntimeDefault, no privilege escalation, every capability
 * dropped, a read-only root file system; a service-account token only where the API is used; the
 * API keys from a Secret. Rendered with {@code helm template}; {@link ChartInstallIT} installs the
 * same objects into a real API server.
 */
class ChartPodSecurityIT {
  private static Helm helm;

  @BeforeAll
  static void findHelm() {
    helm = Helm.offline(Path.of("target/helm-home").toAbsolutePath());
  }

  @ParameterizedTest
  @EnumSource(Combination.class)
  void everyContainer_isNonRoot_readOnly_withoutPrivilegeOrCapabilities(Combination combination) {
    Manifest manifest =
        helm.template(
            ChartRenderingIT.RELEASE, ChartRenderingIT.NAMESPACE, combination.chartValues());
    List<KubeObject> workloads = new ArrayList<>(manifest.ofKind("Deployment"));
    workloads.addAll(manifest.ofKind("StatefulSet"));
    assertFalse(workloads.isEmpty());
    for (KubeObject workload : workloads) {
      KubeObject pod = new KubeObject(workload.map("spec", "template"));
      Map<String, Object> podContext = pod.map("spec", "securityContext");
      List<Object> containers = new ArrayList<>(pod.list("spec", "containers"));
      containers.addAll(pod.list("spec", "initContainers"));
      for (Object each : containers) {
        KubeObject container = new KubeObject(castMap(each));
        String what = workload + " container " + container.string("name");
        KubeObject context = new KubeObject(container.map("securityContext"));
        assertEquals(
            Boolean.TRUE, effective(context, podContext, "runAsNonRoot"), what + ": runAsNonRoot");
        Object user = effective(context, podContext, "runAsUser");
        assertTrue(user instanceof Number n && n.longValue() > 0, what + ": runAsUser " + user);
        assertEquals(
            "RuntimeDefault",
            new KubeObject(castMap(effective(context, podContext, "seccompProfile")))
                .string("type"),
            what + ": seccomp");
        assertEquals(Boolean.FALSE, context.at("allowPrivilegeEscalation"), what);
        assertEquals(Boolean.TRUE, context.at("readOnlyRootFilesystem"), what);
        assertEquals(List.of("ALL"), context.list("capabilities", "drop"), what);
        assertTrue(context.list("capabilities", "add").isEmpty(), what);
        assertTrue(context.at("privileged") == null, what);
      }
      boolean gateway = workload.name().endsWith("-gateway");
      boolean usesApi = gateway && !combination.equals(Combination.DNS_DISCOVERY);
      assertEquals(
          usesApi, pod.at("spec", "automountServiceAccountToken"), workload + ": API token");
    }
  }

  @Test
  void apiKeys_comeFromTheNamedSecret_andNoKeyFileIsInAConfigMap() {
    Manifest manifest =
        helm.template(
            ChartRenderingIT.RELEASE,
            ChartRenderingIT.NAMESPACE,
            Values.DEFAULTS.set("gateway.apiKeys.existingSecret=mmserve-api-keys"));
    KubeObject pod = ChartRenderingIT.podTemplate(manifest, "gateway");
    Map<String, Object> volume =
        pod.list("spec", "volumes").stream()
            .map(ChartPodSecurityIT::castMap)
            .filter(v -> "api-keys".equals(v.get("name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no api-keys volume: " + pod.fields()));
    assertEquals("mmserve-api-keys", new KubeObject(volume).string("secret", "secretName"));
    Map<String, Object> mount =
        new KubeObject(ChartRenderingIT.onlyContainer(pod))
            .list("volumeMounts").stream()
                .map(ChartPodSecurityIT::castMap)
                .filter(m -> "api-keys".equals(m.get("name")))
                .findFirst()
                .orElseThrow();
    assertEquals(Boolean.TRUE, mount.get("readOnly"));
    String keysFile = SettingsFile.of(manifest, "gateway").chartOwned().get("auth.api-keys-file");
    assertEquals(mount.get("mountPath") + "/api-keys", keysFile);
    assertTrue(manifest.ofKind("Secret").isEmpty(), "the chart makes no Secret of its own");
  }

  /** A container's setting, else its pod's (Kubernetes' precedence). */
  private static Object effective(KubeObject container, Map<String, Object> pod, String key) {
    Object own = container.at(key);
    return own != null ? own : pod.get(key);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object value) {
    return value instanceof Map<?, ?> ? (Map<String, Object>) value : Map.of();
  }
}
