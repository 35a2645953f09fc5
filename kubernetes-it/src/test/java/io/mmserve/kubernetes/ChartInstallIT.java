package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.mmserve.kubernetes.Manifest.KubeObject;
import io.mmserve.testsupport.ControlPlane;
import io.mmserve.testsupport.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real {@code helm install}s of the chart into a real control plane (etcd, kube-apiserver and
 * kube-controller-manager, no kubelet, no scheduler), one namespace per values combination: every
 * object must be accepted by the API server's validation and read back, the Deployment, HPA and
 * ReplicaSet controllers must create the Pods (which stay Pending), the StatefulSet controller the
 * gallery's Pod and its PersistentVolumeClaim, and {@code helm uninstall} must remove it all again
 * but that claim (the collections outlive the release).
 */
class ChartInstallIT {
  static final String RELEASE = "mmserve";
  static final Duration CONTROLLERS = Duration.ofMinutes(2);

  private static ControlPlane controlPlane;
  private static Helm helm;
  private static Cluster cluster;

  @BeforeAll
  static void startControlPlane() throws Exception {
    Path dir = Path.of("target/control-plane/ChartInstallIT").toAbsolutePath();
    deleteRecursively(dir);
    Files.createDirectories(dir);
    controlPlane = ControlPlane.start(dir);
    helm = Helm.forCluster(controlPlane, Path.of("target/helm-home").toAbsolutePath());
    cluster = new Cluster(controlPlane.kubeconfig());
  }

  @AfterAll
  static void stopControlPlane() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @ParameterizedTest
  @EnumSource(value = Combination.class, names = "KEDA", mode = EnumSource.Mode.EXCLUDE)
  void install_isAccepted_controllersCreatePendingPods_uninstallRemovesIt(Combination combination)
      throws Exception {
    installCheckAndUninstall(combination, combination.slug());
  }

  @Test
  void keda_failsNamingItsApi_untilTheClusterServesIt_thenInstalls() throws Exception {
    String namespace = Combination.KEDA.slug();
    Helm.Result refused = helm.install(RELEASE, namespace, Combination.KEDA.chartValues());
    assertFalse(refused.succeeded(), refused::output);
    assertTrue(
        refused.output().contains("autoscaling.engine=keda needs KEDA's API (keda.sh/v1alpha1"),
        refused::output);
    assertTrue(helm.releases(namespace).isEmpty(), "a refused install leaves no release");

    KedaStandIn.install(cluster);
    installCheckAndUninstall(Combination.KEDA, namespace);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "discovery.mode=consul | /discovery/mode",
        "textEncoder.config.no\\.such\\.setting=1 | no.such.setting",
        "gateway.termination.shutdownGraceSeconds=-5 | /gateway/termination/shutdownGraceSeconds",
        "triton.image.pullPolicy=Sometimes | /triton/image/pullPolicy"
      })
  void schema_refusesABadValue_namingIt(String setting, String named) throws Exception {
    String namespace = "bad-values";
    Helm.Result refused = helm.install(RELEASE, namespace, Values.DEFAULTS.set(setting));
    assertFalse(refused.succeeded(), refused::output);
    assertTrue(refused.output().contains("values don't meet the specifications"), refused::output);
    assertTrue(refused.output().contains(named), refused::output);
    assertTrue(helm.releases(namespace).isEmpty(), "a refused install leaves no release");
  }

  @Test
  void anObjectTheApiServerRefuses_failsTheInstall_namingIt() throws Exception {
    // the schema lets any label through; the API server's validation of the Deployment does not
    String namespace = "refused";
    Helm.Result refused =
        helm.install(RELEASE, namespace, Values.DEFAULTS.set("gateway.podLabels.tier=not valid!"));
    assertFalse(refused.succeeded(), refused::output);
    assertTrue(refused.output().contains(RELEASE + "-gateway"), refused::output);
    assertTrue(refused.output().contains("not valid!"), refused::output);
    helm.uninstall(RELEASE, namespace).orThrow();
  }

  private static void installCheckAndUninstall(Combination combination, String namespace)
      throws Exception {
    String notes = helm.install(RELEASE, namespace, combination.chartValues()).orThrow();
    assertTrue(
        notes.contains("port-forward svc/" + RELEASE + "-gateway")
            && notes.contains("mmserve.v1.Multimodal/EmbedText"),
        () -> "NOTES.txt shows no port-forward and grpcurl call:\n" + notes);
    Manifest installed = helm.installedManifest(RELEASE, namespace);
    assertFalse(installed.objects().isEmpty());
    // no Prometheus Operator here: the alert rules stay out, the dashboard's ConfigMap goes in
    assertEquals(List.of(), installed.ofKind("PrometheusRule"));
    assertTrue(installed.find("ConfigMap", RELEASE + "-grafana-dashboard").isPresent());
    for (KubeObject object : installed.objects()) {
      assertTrue(cluster.read(object, namespace).isPresent(), object + " was not stored");
    }
    for (KubeObject deployment : installed.ofKind("Deployment")) {
      awaitPendingPods(installed, deployment, namespace);
    }
    List<KubeObject> statefulSets = installed.ofKind("StatefulSet");
    assertEquals(1, statefulSets.size(), "the gallery's StatefulSet");
    List<KubeObject> claims = new ArrayList<>();
    for (KubeObject statefulSet : statefulSets) {
      claims.addAll(awaitPendingStatefulPods(statefulSet, namespace));
    }

    helm.uninstall(RELEASE, namespace).orThrow();
    for (KubeObject object : installed.objects()) {
      Poll.until(
          object + " deleted",
          CONTROLLERS,
          () -> cluster.read(object, namespace).isPresent(),
          present -> !present);
    }
    List<KubeObject> workloads = new ArrayList<>(installed.ofKind("Deployment"));
    workloads.addAll(statefulSets);
    for (KubeObject deployment : workloads) {
      Map<String, String> selector = matchLabels(deployment);
      Poll.until(
          "no pods left of " + deployment,
          CONTROLLERS,
          () -> cluster.pods(namespace, selector).size(),
          count -> count == 0);
    }
    for (KubeObject claim : claims) {
      assertTrue(cluster.read(claim, namespace).isPresent(), claim + " outlives the release");
    }
  }

  /**
   * Waits until the StatefulSet controller has made the StatefulSet's Pods ({@code <name>-0} ...)
   * and, from its claim template, each one's PersistentVolumeClaim {@code <template>-<pod>}, which
   * the Pod mounts. Both stay Pending: no scheduler, no StorageClass here.
   *
   * @return the claims, to check that uninstalling keeps them
   */
  private static List<KubeObject> awaitPendingStatefulPods(KubeObject statefulSet, String namespace)
      throws Exception {
    int replicas = ((Number) statefulSet.at("spec", "replicas")).intValue();
    String template =
        ((Map<?, ?>)
                ((Map<?, ?>) statefulSet.list("spec", "volumeClaimTemplates").get(0))
                    .get("metadata"))
            .get("name")
            .toString();
    List<V1Pod> pods =
        Poll.until(
            replicas + " pods of " + statefulSet,
            CONTROLLERS,
            () -> cluster.pods(namespace, matchLabels(statefulSet)),
            list -> list.size() == replicas);
    List<KubeObject> claims = new ArrayList<>();
    for (V1Pod pod : pods) {
      String name = pod.getMetadata().getName();
      assertTrue(name.startsWith(statefulSet.name() + "-"), name);
      assertEquals(statefulSet.name(), pod.getMetadata().getOwnerReferences().get(0).getName());
      assertEquals("Pending", pod.getStatus().getPhase(), name);
      String claimName = template + "-" + name;
      assertTrue(
          pod.getSpec().getVolumes().stream()
              .anyMatch(
                  v ->
                      v.getPersistentVolumeClaim() != null
                          && claimName.equals(v.getPersistentVolumeClaim().getClaimName())),
          name + " mounts no claim " + claimName);
      KubeObject claim =
          new KubeObject(
              Map.of(
                  "apiVersion", "v1",
                  "kind", "PersistentVolumeClaim",
                  "metadata", Map.of("name", claimName)));
      Poll.until(
          claimName + " made from the claim template",
          CONTROLLERS,
          () -> cluster.read(claim, namespace).isPresent(),
          present -> present);
      claims.add(claim);
    }
    return claims;
  }

  /**
   * Waits until the Deployment controller has made the Deployment's ReplicaSet and the ReplicaSet
   * controller its Pods: as many as an HPA's minReplicas (the HPA controller raises the replicas to
   * it without metrics), else the Deployment's replicas (1 when unset: a ScaledObject without a
   * KEDA operator). The Pods are Pending: nothing schedules or runs them here.
   */
  private static void awaitPendingPods(Manifest installed, KubeObject deployment, String namespace)
      throws Exception {
    int expected = expectedReplicas(installed, deployment);
    Map<String, String> selector = matchLabels(deployment);
    List<V1ReplicaSet> replicaSets =
        Poll.until(
            "a ReplicaSet of " + deployment + " owned by it",
            CONTROLLERS,
            () -> cluster.replicaSets(namespace, selector),
            sets ->
                sets.stream()
                    .anyMatch(
                        rs ->
                            rs.getMetadata().getOwnerReferences() != null
                                && rs.getMetadata().getOwnerReferences().stream()
                                    .anyMatch(o -> o.getName().equals(deployment.name()))));
    assertEquals(1, replicaSets.size(), () -> "ReplicaSets of " + deployment);
    List<V1Pod> pods =
        Poll.until(
            expected + " pods of " + deployment,
            CONTROLLERS,
            () -> cluster.pods(namespace, selector),
            list -> list.size() == expected);
    String replicaSet = replicaSets.get(0).getMetadata().getName();
    for (V1Pod pod : pods) {
      assertEquals(replicaSet, pod.getMetadata().getOwnerReferences().get(0).getName());
      assertEquals("Pending", pod.getStatus().getPhase(), pod.getMetadata().getName());
      assertEquals(null, pod.getSpec().getNodeName(), "no scheduler runs here");
    }
    if (deployment.name().endsWith("-triton")) {
      V1Pod triton = pods.get(0);
      assertEquals(
          "1",
          triton
              .getSpec()
              .getContainers()
              .get(0)
              .getResources()
              .getLimits()
              .get("nvidia.com/gpu")
              .toSuffixedString());
      assertEquals("true", triton.getSpec().getNodeSelector().get("nvidia.com/gpu.present"));
    }
  }

  private static int expectedReplicas(Manifest installed, KubeObject deployment) {
    return installed.ofKind("HorizontalPodAutoscaler").stream()
        .filter(h -> deployment.name().equals(h.string("spec", "scaleTargetRef", "name")))
        .map(h -> ((Number) h.at("spec", "minReplicas")).intValue())
        .findFirst()
        .orElseGet(
            () -> {
              Object replicas = deployment.at("spec", "replicas");
              return replicas == null ? 1 : ((Number) replicas).intValue();
            });
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> matchLabels(KubeObject deployment) {
    return (Map<String, String>) (Map<?, ?>) deployment.map("spec", "selector", "matchLabels");
  }

  static void deleteRecursively(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
