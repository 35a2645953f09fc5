package io.mmserve.gateway.discovery;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Binding;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodIP;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What a kubelet and a scheduler would do, for tests against a real control plane that has neither:
 * a Node that keeps its lease fresh (so the node lifecycle controller never marks its pods
 * NotReady), Pods bound to it through the pods/binding subresource whose status the test sets
 * (Running, Ready, a pod IP, the real process's port as the named container port), and Services
 * whose EndpointSlices the real EndpointSlice controller then publishes. Also selector-less
 * Services with slices the test writes. Close it to stop the node's heartbeat.
 */
final class ClusterObjects implements AutoCloseable {
  static final String NODE = "mmserve-it-node";
  static final String PORT_NAME = "grpc";
  private static final String NODE_LEASES = "kube-node-lease";
  private static final long HEARTBEAT_SECONDS = 5;

  private final ApiClient client;
  private final CoreV1Api core;
  private final DiscoveryV1Api discovery;
  private final CoordinationV1Api coordination;
  private final ScheduledExecutorService heartbeat =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "it-node-heartbeat");
            t.setDaemon(true);
            return t;
          });

  ClusterObjects(Path kubeconfig) throws IOException {
    try (Reader reader = Files.newBufferedReader(kubeconfig)) {
      KubeConfig config = KubeConfig.loadKubeConfig(reader);
      config.setFile(kubeconfig.toFile());
      client = ClientBuilder.kubeconfig(config).build();
    }
    core = new CoreV1Api(client);
    discovery = new DiscoveryV1Api(client);
    coordination = new CoordinationV1Api(client);
  }

  /**
   * An empty folder {@code target/<name>} for a control plane's state: each run starts from an
   * empty etcd, so the objects a test makes do not exist yet.
   */
  static Path freshStateDir(String name) throws IOException {
    Path dir = Path.of("target", name).toAbsolutePath();
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
    return Files.createDirectories(dir);
  }

  /** The cluster-admin client, for fixtures of other kinds of objects ({@link GatewayAccount}). */
  ApiClient client() {
    return client;
  }

  /**
   * Creates namespace {@code name} with its {@code default} service account. The pods of a
   * namespace are refused (403, "serviceaccount default not found") until that account exists, and
   * the controller manager makes it a moment after the namespace: made here too (an account the
   * controller made first is a 409, and is taken as it is), a pod can follow at once.
   */
  void namespace(String name) throws ApiException {
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(name))).execute();
    try {
      core.createNamespacedServiceAccount(
              name, new V1ServiceAccount().metadata(new V1ObjectMeta().name("default")))
          .execute();
    } catch (ApiException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  /** Registers the node (Ready) and renews its lease every few seconds, as a kubelet does. */
  void node() throws ApiException {
    core.createNode(new V1Node().metadata(new V1ObjectMeta().name(NODE))).execute();
    onConflictAgain(
        () -> {
          V1Node node = core.readNode(NODE).execute();
          node.status(
              new V1NodeStatus()
                  .conditions(
                      List.of(
                          new V1NodeCondition()
                              .type("Ready")
                              .status("True")
                              .reason("KubeletReady")
                              .lastHeartbeatTime(now())
                              .lastTransitionTime(now()))));
          core.replaceNodeStatus(NODE, node).execute();
        });
    renewLease();
    heartbeat.scheduleWithFixedDelay(
        this::renewLeaseQuietly, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
  }

  /** A read-modify-write of an object that controllers write too. */
  @FunctionalInterface
  private interface Update {
    void run() throws ApiException;
  }

  /** Runs {@code update} again while it loses the race with a controller (409 Conflict). */
  private static void onConflictAgain(Update update) throws ApiException {
    for (int attempt = 1; ; attempt++) {
      try {
        update.run();
        return;
      } catch (ApiException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == 10) {
          throw e;
        }
      }
    }
  }

  private void renewLeaseQuietly() {
    try {
      renewLease();
    } catch (ApiException | RuntimeException e) {
      // the API server is restarting; the next beat renews it
    }
  }

  private void renewLease() throws ApiException {
    V1Lease lease;
    try {
      lease = coordination.readNamespacedLease(NODE, NODE_LEASES).execute();
    } catch (ApiException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
      coordination
          .createNamespacedLease(
              NODE_LEASES,
              new V1Lease()
                  .metadata(new V1ObjectMeta().name(NODE).namespace(NODE_LEASES))
                  .spec(
                      new V1LeaseSpec()
                          .holderIdentity(NODE)
                          .leaseDurationSeconds(40)
                          .renewTime(now())))
          .execute();
      return;
    }
    lease.getSpec().renewTime(now());
    coordination.replaceNamespacedLease(NODE, NODE_LEASES, lease).execute();
  }

  /**
   * A headless Service selecting the pods labelled {@code app=<name>}, its port named {@value
   * #PORT_NAME} with that named target port, so each pod's slice lists its own container port.
   */
  void service(String namespace, String name) throws ApiException {
    core.createNamespacedService(
            namespace,
            new V1Service()
                .metadata(new V1ObjectMeta().name(name))
                .spec(
                    new V1ServiceSpec()
                        .clusterIP("None")
                        .selector(Map.of("app", name))
                        .ports(
                            List.of(
                                new V1ServicePort()
                                    .name(PORT_NAME)
                                    .port(50052)
                                    .targetPort(new IntOrString(PORT_NAME))))))
        .execute();
  }

  /** A Service without selector: its slices are the test's to write ({@link #slice}). */
  void serviceWithoutSelector(String namespace, String name) throws ApiException {
    core.createNamespacedService(
            namespace,
            new V1Service()
                .metadata(new V1ObjectMeta().name(name))
                .spec(
                    new V1ServiceSpec()
                        .clusterIP("None")
                        .ports(List.of(new V1ServicePort().name(PORT_NAME).port(50052)))))
        .execute();
  }

  /**
   * Creates a pod of {@code service} whose container port {@value #PORT_NAME} is {@code port},
   * binds it to the node and makes it Running and Ready on {@code ip}: the EndpointSlice controller
   * then publishes {@code ip:port}. EndpointSlices refuse loopback addresses.
   */
  void readyPod(String namespace, String service, String pod, String ip, int port)
      throws ApiException {
    core.createNamespacedPod(
            namespace,
            new V1Pod()
                .metadata(new V1ObjectMeta().name(pod).labels(Map.of("app", service)))
                .spec(
                    new V1PodSpec()
                        // client-java sends an unset map as {}, which the API reads as an overhead
                        .overhead(null)
                        .containers(
                            List.of(
                                new V1Container()
                                    .name("encoder")
                                    .image("mmserve/text-encoder-svc:it")
                                    .ports(
                                        List.of(
                                            new V1ContainerPort()
                                                .name(PORT_NAME)
                                                .containerPort(port)))))))
        .execute();
    // the API answers a binding with a Status, which client-java cannot read as a V1Binding
    try (okhttp3.Response response =
        core.createNamespacedPodBinding(
                pod,
                namespace,
                new V1Binding()
                    .metadata(new V1ObjectMeta().name(pod))
                    .target(new V1ObjectReference().apiVersion("v1").kind("Node").name(NODE)))
            .buildCall(null)
            .execute()) {
      if (!response.isSuccessful()) {
        throw new ApiException(
            response.code(), "binding " + pod + " failed: " + response.body().string());
      }
    } catch (IOException e) {
      throw new ApiException(e);
    }
    ready(namespace, pod, ip, true);
  }

  /** Sets the pod's Ready condition, as a kubelet does when its readiness probe changes. */
  void ready(String namespace, String pod, String ip, boolean ready) throws ApiException {
    String status = ready ? "True" : "False";
    onConflictAgain(
        () -> {
          V1Pod current = core.readNamespacedPod(pod, namespace).execute();
          current.status(
              new V1PodStatus()
                  .phase("Running")
                  .hostIP(ip)
                  .podIP(ip)
                  .podIPs(List.of(new V1PodIP().ip(ip)))
                  .startTime(now())
                  .conditions(
                      List.of(
                          condition("PodScheduled", "True"),
                          condition("Initialized", "True"),
                          condition("ContainersReady", status),
                          condition("Ready", status))));
          core.replaceNamespacedPodStatus(pod, namespace, current).execute();
        });
  }

  private static V1PodCondition condition(String type, String status) {
    return new V1PodCondition().type(type).status(status).lastTransitionTime(now());
  }

  /** Deletes the pod at once (no kubelet would confirm a graceful deletion). */
  void deletePod(String namespace, String pod) throws ApiException {
    core.deleteNamespacedPod(pod, namespace).gracePeriodSeconds(0).execute();
  }

  /**
   * Writes an EndpointSlice of {@code service} (a selector-less Service's), as a controller would.
   */
  void slice(
      String namespace,
      String service,
      String name,
      String addressType,
      int port,
      V1Endpoint... endpoints)
      throws ApiException {
    discovery
        .createNamespacedEndpointSlice(
            namespace,
            new V1EndpointSlice()
                .metadata(
                    new V1ObjectMeta()
                        .name(name)
                        .labels(
                            Map.of(
                                EndpointSliceInformer.SERVICE_NAME_LABEL,
                                service,
                                "endpointslice.kubernetes.io/managed-by",
                                "mmserve-it")))
                .addressType(addressType)
                .ports(
                    List.of(
                        new DiscoveryV1EndpointPort().name(PORT_NAME).port(port).protocol("TCP")))
                .endpoints(List.of(endpoints)))
        .execute();
  }

  /** An endpoint of a slice the test writes. */
  static V1Endpoint endpoint(String ip, boolean ready) {
    return new V1Endpoint()
        .addresses(List.of(ip))
        .conditions(new V1EndpointConditions().ready(ready).serving(ready).terminating(false));
  }

  void deleteSlice(String namespace, String name) throws ApiException {
    discovery.deleteNamespacedEndpointSlice(name, namespace).execute();
  }

  /** The slices of {@code service} now, for failure messages. */
  List<V1EndpointSlice> slices(String namespace, String service) throws ApiException {
    return discovery
        .listNamespacedEndpointSlice(namespace)
        .labelSelector(EndpointSliceInformer.SERVICE_NAME_LABEL + "=" + service)
        .execute()
        .getItems();
  }

  private static OffsetDateTime now() {
    return OffsetDateTime.now(ZoneOffset.UTC);
  }

  @Override
  public void close() throws InterruptedException {
    heartbeat.shutdownNow();
    heartbeat.awaitTermination(10, TimeUnit.SECONDS);
    client.getHttpClient().dispatcher().executorService().shutdown();
    client.getHttpClient().connectionPool().evictAll();
  }
}
