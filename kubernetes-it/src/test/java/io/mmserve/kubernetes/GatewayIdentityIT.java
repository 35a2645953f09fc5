package io.mmserve.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.kubernetes.client.util.Config;
import io.mmserve.testsupport.ControlPlane;
import io.mmserve.testsupport.Poll;
import io.mmserve.testsupport.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway as the chart deploys it, against a real control plane: the chart is installed, the
 * real gateway runs with the installed settings file (only its addresses moved to loopback) and a
 * token of the chart's own ServiceAccount, so its Role is all it may use. The gateway must list the
 * EndpointSlices of each backend's Service without an error: the chart's targets parse and its Role
 * grants what the resolver reads.
 */
class GatewayIdentityIT {
  private static final String RELEASE = "mmserve";
  private static final String NAMESPACE = "identity";

  private static ControlPlane controlPlane;
  private static ServiceProcess gateway;
  private static Map<String, String> targets;

  @BeforeAll
  static void installAndStartTheGateway() throws Exception {
    Path dir = Path.of("target/control-plane/GatewayIdentityIT").toAbsolutePath();
    ChartInstallIT.deleteRecursively(dir);
    Files.createDirectories(dir);
    controlPlane = ControlPlane.start(dir);
    Helm helm = Helm.forCluster(controlPlane, Path.of("target/helm-home").toAbsolutePath());
    helm.install(RELEASE, NAMESPACE, Values.DEFAULTS).orThrow();
    Manifest installed = helm.installedManifest(RELEASE, NAMESPACE);

    Path settings = dir.resolve("gateway.conf");
    Files.writeString(
        settings,
        installed.get("ConfigMap", RELEASE + "-settings").string("data", "gateway.conf"),
        StandardCharsets.UTF_8);
    targets = SettingsFile.of(installed, "gateway").chartOwned();
    String account = installed.get("ServiceAccount", RELEASE + "-gateway").name();
    Path kubeconfig = tokenKubeconfig(dir, account);
    gateway =
        ServiceProcess.startJar(
            Path.of(System.getProperty("mmserve.jar.gateway")),
            "identity-gateway",
            "--config=" + settings,
            "--grpc.host=127.0.0.1",
            "--admin.host=127.0.0.1",
            "--discovery.kubernetes.kubeconfig=" + kubeconfig);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void gatewayListsEveryBackendsEndpointSlices_withTheChartsRoleAlone() throws Exception {
    for (String backend : List.of("text-encoder", "vision-encoder", "fusion", "gallery")) {
      String target = targets.get(backend + ".target");
      // the resolver reports a target's endpoints (none here: the pods never run) once its
      // EndpointSlices were listed; a list the Role forbids never gets that far
      Poll.until(
          "the gateway resolved " + target + " (its discovery metrics)",
          Duration.ofSeconds(60),
          () -> discoveryMetrics(MetricsPage.scrape("127.0.0.1:" + gateway.adminPort())),
          metrics ->
              metrics.getOrDefault("mmserve_discovery_endpoints", Map.of()).keySet().stream()
                  .anyMatch(labels -> target.equals(labels.get("target"))));
      MetricsPage page = MetricsPage.scrape("127.0.0.1:" + gateway.adminPort());
      String service = RELEASE + "-" + backend + "." + NAMESPACE;
      assertEquals(
          0.0,
          counter(page, "mmserve_discovery_errors_total", service),
          () -> "list or watch errors for " + service + ":\n" + gateway.logText());
    }
  }

  private static Map<String, Map<Map<String, String>, Double>> discoveryMetrics(MetricsPage page) {
    return Map.of(
        "mmserve_discovery_endpoints", page.values("mmserve_discovery_endpoints"),
        "mmserve_discovery_lists_total", page.values("mmserve_discovery_lists_total"),
        "mmserve_discovery_errors_total", page.values("mmserve_discovery_errors_total"));
  }

  /** The value of a counter's series for {@code service}; 0 when there is none. */
  private static double counter(MetricsPage page, String name, String service) {
    return page.values(name).entrySet().stream()
        .filter(e -> service.equals(e.getKey().get("service")))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  /** A kubeconfig that authenticates as {@code account} with a token from the TokenRequest API. */
  private static Path tokenKubeconfig(Path dir, String account) throws Exception {
    CoreV1Api core = new CoreV1Api(Config.fromConfig(controlPlane.kubeconfig().toString()));
    String token =
        core.createNamespacedServiceAccountToken(
                account,
                NAMESPACE,
                new AuthenticationV1TokenRequest()
                    .spec(new V1TokenRequestSpec().expirationSeconds(3600L)))
            .execute()
            .getStatus()
            .getToken();
    return controlPlane.tokenKubeconfig(dir, account, token);
  }
}
