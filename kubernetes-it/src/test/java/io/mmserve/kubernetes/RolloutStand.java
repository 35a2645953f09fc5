package io.mmserve.kubernetes;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.kubernetes.client.util.Config;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import io.kubernetes.client.util.generic.options.CreateOptions;
import io.mmserve.kit.config.ConfigLoader;
import io.mmserve.rollout.ModelRollout;
import io.mmserve.rollout.RolloutSettings;
import io.mmserve.testsupport.ControlPlane;
import io.mmserve.testsupport.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the rollout ITs run against: a real control plane with the chart installed with {@code
 * rollouts.enabled} (the ModelRollout CRD and the gateway's Roles), a kubeconfig of the gateway's
 * ServiceAccount (so the controller and watcher have exactly the chart's permissions), the {@link
 * StandInGatewayMetrics} and a real Prometheus scraping it. The caller closes it, which stops all.
 */
final class RolloutStand implements AutoCloseable {
  static final String NAMESPACE = "rollouts";
  static final String RELEASE = "mmserve";

  final ControlPlane controlPlane;
  final Path dir;
  final Path gatewayKubeconfig;
  final StandInGatewayMetrics metrics;
  final TestPrometheus prometheus;
  private final DynamicKubernetesApi admin;

  private RolloutStand(
      ControlPlane controlPlane,
      Path dir,
      Path gatewayKubeconfig,
      StandInGatewayMetrics metrics,
      TestPrometheus prometheus,
      DynamicKubernetesApi admin) {
    this.controlPlane = controlPlane;
    this.dir = dir;
    this.gatewayKubeconfig = gatewayKubeconfig;
    this.metrics = metrics;
    this.prometheus = prometheus;
    this.admin = admin;
  }

  /** Starts everything, its state under {@code target/control-plane/<name>}. */
  static RolloutStand start(String name) throws Exception {
    return start(name, TestPrometheus.SCRAPE_INTERVAL);
  }

  /**
   * Starts everything with Prometheus scraping every {@code scrapeInterval}; more targets (a real
   * gateway) are added with {@code prometheus.scrape}.
   */
  static RolloutStand start(String name, Duration scrapeInterval) throws Exception {
    Path dir = Path.of("target/control-plane", name).toAbsolutePath();
    ChartInstallIT.deleteRecursively(dir);
    Files.createDirectories(dir);
    List<AutoCloseable> started = new ArrayList<>();
    try {
      StandInGatewayMetrics metrics = new StandInGatewayMetrics();
      started.add(metrics);
      TestPrometheus prometheus =
          TestPrometheus.start(
              dir.resolve("prometheus"), scrapeInterval, List.of(metrics.target()));
      started.add(prometheus);
      ControlPlane controlPlane = ControlPlane.start(dir);
      started.add(controlPlane);
      Helm helm = Helm.forCluster(controlPlane, dir.resolve("helm-home"));
      helm.install(
              RELEASE,
              NAMESPACE,
              Values.DEFAULTS.set(
                  "rollouts.enabled=true", "rollouts.prometheusUrl=" + prometheus.url()))
          .orThrow();
      ApiClient adminClient = Config.fromConfig(controlPlane.kubeconfig().toString());
      Cluster cluster = new Cluster(controlPlane.kubeconfig());
      Poll.until(
          "the API server serves ModelRollouts",
          Duration.ofSeconds(30),
          () -> cluster.serves(ModelRollout.GROUP, ModelRollout.VERSION, ModelRollout.KIND),
          served -> served);
      Path kubeconfig = tokenKubeconfig(controlPlane, adminClient, dir, RELEASE + "-gateway");
      DynamicKubernetesApi admin =
          new DynamicKubernetesApi(
              ModelRollout.GROUP, ModelRollout.VERSION, ModelRollout.PLURAL, adminClient);
      return new RolloutStand(controlPlane, dir, kubeconfig, metrics, prometheus, admin);
    } catch (Exception | Error e) {
      for (AutoCloseable c : started.reversed()) {
        c.close();
      }
      throw e;
    }
  }

  /**
   * The settings a gateway pod of the chart would have, with this stand's kubeconfig of the gateway
   * account, and short timings: Lease 4 s (renew deadline 3 s), analysis every {@code interval}.
   */
  RolloutSettings settings(String identity, Duration interval) {
    return RolloutSettings.from(
        ConfigLoader.load(RolloutSettings.DEFAULTS, flags(identity, interval), Map.of()));
  }

  /** The same settings as command-line flags of {@code io.mmserve.rollout.Main}. */
  List<String> flags(String identity, Duration interval) {
    return List.of(
        "--rollout.enabled=true",
        "--rollout.controller.enabled=true",
        "--rollout.kubeconfig=" + gatewayKubeconfig,
        "--rollout.namespace=" + NAMESPACE,
        "--rollout.prometheus.url=" + prometheus.url(),
        "--rollout.analysis-interval=" + interval.toMillis() + "ms",
        "--rollout.lease.duration=4s",
        "--rollout.lease.renew-deadline=3s",
        "--rollout.identity=" + identity);
  }

  /** Creates a ModelRollout from its JSON (as a cluster admin would, with kubectl). */
  void create(String json) {
    KubernetesApiResponse<DynamicKubernetesObject> response =
        admin.create(
            NAMESPACE,
            new DynamicKubernetesObject(JsonParser.parseString(json).getAsJsonObject()),
            new CreateOptions());
    if (!response.isSuccess()) {
      throw new AssertionError("creating " + json + ": " + response.getStatus());
    }
  }

  /** The ModelRollout {@code name} as the API server has it. */
  JsonObject get(String name) {
    KubernetesApiResponse<DynamicKubernetesObject> response = admin.get(NAMESPACE, name);
    if (!response.isSuccess()) {
      throw new AssertionError("reading " + name + ": " + response.getStatus());
    }
    return response.getObject().getRaw();
  }

  /** Replaces the status of {@code name} with {@code statusJson}, as a controller would. */
  void updateStatus(String name, String statusJson) {
    DynamicKubernetesObject object = new DynamicKubernetesObject(get(name));
    object.getRaw().add("status", JsonParser.parseString(statusJson));
    KubernetesApiResponse<DynamicKubernetesObject> response =
        admin.updateStatus(object, o -> o.getRaw().get("status"));
    if (!response.isSuccess()) {
      throw new AssertionError("updating the status of " + name + ": " + response.getStatus());
    }
  }

  /** Deletes the ModelRollout {@code name}. */
  void delete(String name) {
    admin.delete(NAMESPACE, name);
  }

  /** A ModelRollout's JSON: {@code steps} every {@code interval}, analysis window 10 s. */
  static String rollout(
      String name, String model, String stable, String canary, String steps, String interval) {
    return """
        {"apiVersion": "mmserve.io/v1alpha1", "kind": "ModelRollout",
         "metadata": {"name": "%s", "namespace": "%s"},
         "spec": {"model": "%s", "stableVersion": "%s", "canaryVersion": "%s",
                  "steps": [%s], "stepInterval": "%s",
                  "analysis": {"maxErrorRatio": 0.05, "maxLatencyRatio": 1.5,
                               "window": "10s", "minRequests": 20}}}
        """
        .formatted(name, NAMESPACE, model, stable, canary, steps, interval);
  }

  private static Path tokenKubeconfig(
      ControlPlane controlPlane, ApiClient admin, Path dir, String account) throws Exception {
    String token =
        new CoreV1Api(admin)
            .createNamespacedServiceAccountToken(
                account,
                NAMESPACE,
                new AuthenticationV1TokenRequest()
                    .spec(new V1TokenRequestSpec().expirationSeconds(3600L)))
            .execute()
            .getStatus()
            .getToken();
    return controlPlane.tokenKubeconfig(dir, account, token);
  }

  @Override
  public void close() throws Exception {
    try {
      controlPlane.close();
    } finally {
      try {
        prometheus.close();
      } finally {
        metrics.close();
      }
    }
  }
}
