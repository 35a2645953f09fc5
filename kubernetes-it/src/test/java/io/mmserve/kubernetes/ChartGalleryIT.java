package io.mmserve.kubernetes;

import static io.mmserve.kubernetes.ChartRenderingIT.NAMESPACE;
import static io.mmserve.kubernetes.ChartRenderingIT.RELEASE;
import static io.mmserve.kubernetes.ChartRenderingIT.at;
import static io.mmserve.kubernetes.ChartRenderingIT.onlyContainer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kubernetes.Manifest.KubeObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * gallery-svc in the chart, as {@code helm template} renders it: a one-replica StatefulSet whose
 * claim template gives each replica its volume, where the chart's data.dir points; a headless
 * Service the gateway's gallery.target names; and no autoscaler. {@link ChartInstallIT} installs
 * it, {@link ChartServicesIT} runs gallery-svc's jar on the rendered settings.
 */
class ChartGalleryIT {
  private static final String GALLERY = RELEASE + "-gallery";

  private static Helm helm;

  @BeforeAll
  static void findHelm() {
    helm = Helm.offline(Path.of("target/helm-home").toAbsolutePath());
  }

  private static Manifest render(Values values) {
    return helm.template(RELEASE, NAMESPACE, values);
  }

  @Test
  @SuppressWarnings("unchecked")
  void statefulSet_hasOneReplica_aClaimTemplate_andMountsItWhereDataDirPoints() {
    Manifest manifest =
        render(
            Values.DEFAULTS.set(
                "gallery.persistence.storageClassName=fast", "gallery.persistence.size=20Gi"));
    KubeObject statefulSet = manifest.get("StatefulSet", GALLERY);
    assertEquals(1, statefulSet.at("spec", "replicas"));
    assertEquals(GALLERY, statefulSet.string("spec", "serviceName"));
    assertEquals(
        "Retain",
        statefulSet.string("spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"));
    Map<String, Object> claim =
        (Map<String, Object>) statefulSet.list("spec", "volumeClaimTemplates").get(0);
    assertEquals("data", at(claim, "metadata", "name"));
    assertEquals("fast", at(claim, "spec", "storageClassName"));
    assertEquals("20Gi", at(claim, "spec", "resources", "requests", "storage"));
    assertEquals(List.of("ReadWriteOnce"), at(claim, "spec", "accessModes"));

    KubeObject pod = new KubeObject(statefulSet.map("spec", "template"));
    assertEquals(65532, pod.at("spec", "securityContext", "fsGroup"), "the volume is writable");
    Map<String, Object> container = onlyContainer(pod);
    String mountPath =
        ((List<Object>) container.get("volumeMounts"))
            .stream()
                .map(m -> (Map<String, Object>) m)
                .filter(m -> "data".equals(m.get("name")))
                .map(m -> m.get("mountPath").toString())
                .findFirst()
                .orElseThrow(() -> new AssertionError("the claim is not mounted"));
    String dataDir = SettingsFile.of(manifest, "gallery").chartOwned().get("data.dir");
    assertTrue(dataDir.startsWith(mountPath + "/"), dataDir + " is not on " + mountPath);
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      assertEquals(50055, at(container, probe, "grpc", "port"), probe);
    }
    long preStop = ((Number) at(container, "lifecycle", "preStop", "sleep", "seconds")).longValue();
    long grace = ((Number) pod.at("spec", "terminationGracePeriodSeconds")).longValue();
    assertTrue(grace > preStop + 10, "grace " + grace + " covers preStop and shutdown.grace");
    assertEquals("mmserve/gallery-svc:0.1.0", container.get("image"));

    assertTrue(
        render(Values.DEFAULTS)
            .get("StatefulSet", GALLERY)
            .list("spec", "volumeClaimTemplates")
            .stream()
            .noneMatch(c -> at((Map<String, Object>) c, "spec", "storageClassName") != null),
        "\"\" leaves the cluster's default StorageClass");
  }

  @Test
  void service_isHeadless_withPdb_andNoAutoscaler() {
    Manifest manifest = render(Values.DEFAULTS);
    assertEquals("None", manifest.get("Service", GALLERY).string("spec", "clusterIP"));
    assertEquals(1, manifest.get("PodDisruptionBudget", GALLERY).at("spec", "maxUnavailable"));
    assertTrue(
        manifest.ofKind("HorizontalPodAutoscaler").stream()
            .noneMatch(h -> GALLERY.equals(h.string("spec", "scaleTargetRef", "name"))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"kubernetes", "dns"})
  void gatewayGalleryTarget_namesTheHeadlessService_inTheDiscoveryModesForm(String mode) {
    Manifest manifest = render(Values.DEFAULTS.set("discovery.mode=" + mode));
    String expected =
        mode.equals("kubernetes")
            ? "kubernetes:///" + GALLERY + "." + NAMESPACE + ":grpc"
            : "dns:///" + GALLERY + "." + NAMESPACE + ".svc:50055";
    assertEquals(expected, SettingsFile.of(manifest, "gateway").chartOwned().get("gallery.target"));
  }

  @Test
  void disabled_rendersNoGallery_andLeavesTheGatewaysTargetUnset() {
    Manifest manifest = render(Values.DEFAULTS.set("gallery.enabled=false"));
    assertTrue(manifest.find("StatefulSet", GALLERY).isEmpty());
    assertTrue(manifest.find("Service", GALLERY).isEmpty());
    assertTrue(manifest.find("PodDisruptionBudget", GALLERY).isEmpty());
    assertNull(SettingsFile.of(manifest, "gateway").chartOwned().get("gallery.target"));
  }

  @Test
  void aSecondReplica_isRefusedByTheSchema_namingTheValue() {
    Helm.Result result =
        helm.run(
            List.of(
                "template", RELEASE, Helm.chartDir().toString(), "--set", "gallery.replicas=2"));
    assertFalse(result.succeeded());
    assertTrue(result.output().contains("/gallery/replicas"), result::output);
  }
}
