package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.NetworkingV1Api;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1NetworkPolicyIngressRule;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPort;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.util.Config;
import io.mmserve.kubernetes.Manifest.KubeObject;
import io.mmserve.testsupport.ControlPlane;
import io.mmserve.testsupport.Poll;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's NetworkPolicies on a real control plane (kube-apiserver, etcd, controller-manager; no
 * kubelet and no network plugin, so <b>nothing enforces them here</b>: what is checked is each
 * policy's meaning). The chart is installed with Triton and the gallery; the controllers create the
 * Pods of every workload (Pending). Beside them the test creates the pods a policy must tell apart:
 * a Prometheus and a Grafana in {@code monitoring}, a pod labelled exactly like this release's
 * gateway in {@code other-tenant}, and an unlabelled debug pod in the release's own namespace. Each
 * policy's podSelector and each rule's {@code from} are then asked of the API server ({@link
 * PolicySelection}) and must select exactly the intended pods, named through their owners
 * (ReplicaSet, Deployment, StatefulSet), not through the labels the policies use.
 */
class NetworkPolicySelectionIT {
  private static final String RELEASE = "mmserve";
  private static final String NAMESPACE = "netpol";
  private static final Duration CONTROLLERS = Duration.ofMinutes(2);

  private static ControlPlane controlPlane;
  private static CoreV1Api core;
  private static AppsV1Api apps;
  private static NetworkingV1Api networking;
  private static Cluster cluster;

  @BeforeAll
  static void installTheChartBesideStrangers() throws Exception {
    Path dir = Path.of("target/control-plane/NetworkPolicySelectionIT").toAbsolutePath();
    ChartInstallIT.deleteRecursively(dir);
    Files.createDirectories(dir);
    controlPlane = ControlPlane.start(dir);
    Helm helm = Helm.forCluster(controlPlane, Path.of("target/helm-home").toAbsolutePath());
    helm.install(
            RELEASE,
            NAMESPACE,
            Values.DEFAULTS.set(
                "autoscaling.enabled=false", "triton.enabled=true", Combination.TRITON_IMAGE))
        .orThrow();
    ApiClient client = Config.fromConfig(controlPlane.kubeconfig().toString());
    core = new CoreV1Api(client);
    apps = new AppsV1Api(client);
    networking = new NetworkingV1Api(client);
    cluster = new Cluster(controlPlane.kubeconfig());

    createNamespace("monitoring");
    createNamespace("other-tenant");
    createPod("monitoring", "prometheus-server", Map.of("app.kubernetes.io/name", "prometheus"));
    createPod("monitoring", "grafana", Map.of("app.kubernetes.io/name", "grafana"));
    createPod(
        "other-tenant",
        "gateway-lookalike",
        Map.of(
            "app.kubernetes.io/name", "mmserve",
            "app.kubernetes.io/instance", RELEASE,
            "app.kubernetes.io/component", "gateway"));
    createPod(NAMESPACE, "debug", Map.of("app", "debug"));
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void policiesAreAccepted_andSelectExactlyTheIntendedPods_meaningOnlyNoCniEnforcesThem()
      throws Exception {
    Map<String, Set<String>> workloads = awaitWorkloadPods();
    PolicySelection selection = new PolicySelection(core);
    Set<String> prometheus = Set.of("monitoring/prometheus-server");
    Set<String> gateway = workloads.get("gateway");
    Set<String> encoders = union(workloads.get("text-encoder"), workloads.get("vision-encoder"));
    // policy → its rules, each as (ports → admitted pods); null: every source
    Map<String, Map<Set<Integer>, Set<String>>> expected = new TreeMap<>();
    expected.put("gateway", rules(Set.of(50051, 8080), null, Set.of(9091), prometheus));
    expected.put("text-encoder", rules(Set.of(50052), gateway, Set.of(9092), prometheus));
    expected.put("vision-encoder", rules(Set.of(50053), gateway, Set.of(9093), prometheus));
    expected.put("fusion", rules(Set.of(50054), gateway, Set.of(9094), prometheus));
    expected.put("gallery", rules(Set.of(50055), gateway, Set.of(9095), prometheus));
    expected.put("triton", rules(Set.of(8001), encoders, Set.of(8002), prometheus));

    List<V1NetworkPolicy> policies =
        networking.listNamespacedNetworkPolicy(NAMESPACE).execute().getItems();
    assertEquals(
        expected.keySet().stream().map(c -> RELEASE + "-" + c).collect(Collectors.toSet()),
        policies.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet()));
    Set<String> isolatedByAny = new TreeSet<>();
    for (V1NetworkPolicy policy : policies) {
      String component = policy.getMetadata().getName().substring(RELEASE.length() + 1);
      String what = policy.getMetadata().getName();
      Set<String> isolated = selection.isolated(policy);
      assertEquals(workloads.get(component), isolated, what + ": the pods it applies to");
      isolatedByAny.addAll(isolated);
      assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes(), what + ": egress open");
      Map<Set<Integer>, Set<String>> admitted = new HashMap<>();
      for (V1NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
        Set<Integer> ports =
            rule.getPorts().stream()
                .map(V1NetworkPolicyPort::getPort)
                .map(p -> p.getIntValue())
                .collect(Collectors.toSet());
        boolean anySource = rule.getFrom() == null || rule.getFrom().isEmpty();
        admitted.put(ports, anySource ? null : selection.admitted(rule.getFrom(), NAMESPACE));
      }
      assertEquals(expected.get(component), admitted, what + ": who may reach which ports");
    }
    Set<String> releasePods =
        workloads.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
    assertEquals(releasePods, isolatedByAny, "every pod of the release is isolated");
    assertFalse(isolatedByAny.contains(NAMESPACE + "/debug"), "a pod of another app is left alone");
  }

  /**
   * The Pods of each workload of the release (gateway, text-encoder, ... triton), found through
   * their owners, once each has its replicas.
   */
  private static Map<String, Set<String>> awaitWorkloadPods() throws Exception {
    Map<String, Integer> replicas = new TreeMap<>();
    apps.listNamespacedDeployment(NAMESPACE)
        .execute()
        .getItems()
        .forEach(d -> replicas.put(d.getMetadata().getName(), d.getSpec().getReplicas()));
    apps.listNamespacedStatefulSet(NAMESPACE)
        .execute()
        .getItems()
        .forEach(s -> replicas.put(s.getMetadata().getName(), s.getSpec().getReplicas()));
    assertEquals(6, replicas.size(), () -> "the release's workloads: " + replicas);
    Map<String, Set<String>> byWorkload =
        Poll.until(
            "every workload has its pods " + replicas,
            CONTROLLERS,
            NetworkPolicySelectionIT::podsByWorkload,
            found ->
                replicas.entrySet().stream()
                    .allMatch(
                        e -> found.getOrDefault(e.getKey(), Set.of()).size() == e.getValue()));
    Map<String, Set<String>> byComponent = new TreeMap<>();
    byWorkload.forEach((name, pods) -> byComponent.put(name.substring(RELEASE.length() + 1), pods));
    return byComponent;
  }

  private static Map<String, Set<String>> podsByWorkload() throws Exception {
    Map<String, String> replicaSetOwners = new HashMap<>();
    for (V1ReplicaSet rs : apps.listNamespacedReplicaSet(NAMESPACE).execute().getItems()) {
      replicaSetOwners.put(rs.getMetadata().getName(), owner(rs.getMetadata()));
    }
    Map<String, Set<String>> pods = new TreeMap<>();
    for (V1Pod pod : core.listNamespacedPod(NAMESPACE).execute().getItems()) {
      String owner = owner(pod.getMetadata());
      String workload = replicaSetOwners.getOrDefault(owner, owner);
      if (workload != null) {
        pods.computeIfAbsent(workload, k -> new TreeSet<>())
            .add(NAMESPACE + "/" + pod.getMetadata().getName());
      }
    }
    return pods;
  }

  private static String owner(V1ObjectMeta metadata) {
    List<V1OwnerReference> owners = metadata.getOwnerReferences();
    return owners == null || owners.isEmpty() ? null : owners.get(0).getName();
  }

  private static Map<Set<Integer>, Set<String>> rules(
      Set<Integer> servicePorts, Set<String> from, Set<Integer> adminPorts, Set<String> scrapers) {
    Map<Set<Integer>, Set<String>> rules = new HashMap<>();
    rules.put(servicePorts, from);
    rules.put(adminPorts, scrapers);
    return rules;
  }

  private static Set<String> union(Set<String> one, Set<String> other) {
    Set<String> all = new TreeSet<>(one);
    all.addAll(other);
    return all;
  }

  /**
   * Creates namespace {@code name} with its {@code default} service account, which its pods need
   * (403 until it exists) and which the controller manager makes only a moment later; one it made
   * first is a 409, taken as it is.
   */
  private static void createNamespace(String name) throws Exception {
    cluster.create(
        new KubeObject(
            Map.of("apiVersion", "v1", "kind", "Namespace", "metadata", Map.of("name", name))),
        null);
    try {
      cluster.create(
          new KubeObject(
              Map.of(
                  "apiVersion",
                  "v1",
                  "kind",
                  "ServiceAccount",
                  "metadata",
                  Map.of("name", "default"))),
          name);
    } catch (ApiException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  /**
   * A bare Pod that never runs (no kubelet); only its labels and namespace matter. Sent as a map
   * (client-java's typed V1Pod adds an empty overhead, which the API server refuses).
   */
  private static void createPod(String namespace, String name, Map<String, String> labels)
      throws Exception {
    cluster.create(
        new KubeObject(
            Map.of(
                "apiVersion",
                "v1",
                "kind",
                "Pod",
                "metadata",
                Map.of("name", name, "labels", labels),
                "spec",
                Map.of(
                    "containers",
                    List.of(Map.of("name", "main", "image", "registry.invalid/none"))))),
        namespace);
  }
}
