package io.mmserve.rollout;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Builds the rollout controller and watcher from their settings: what the gateway's Main (or this
 * module's {@link Main}) calls. Whoever builds one starts and closes it.
 */
public final class Rollouts {
  private Rollouts() {}

  /**
   * The controller, not started: leader election on the settings' Lease, the analysis reading
   * Prometheus, no probe runner (a rollout with {@code minProbeAccuracy} then holds).
   *
   * @throws IOException if the kubeconfig or the service account's files cannot be read
   */
  public static RolloutController controller(RolloutSettings settings) throws IOException {
    return controller(settings, ProbeRunner.NONE);
  }

  /**
   * The controller, not started, whose analysis measures probe accuracy with {@code probes} (the
   * gateway's {@link ClassifyProbeRunner}).
   *
   * @throws IOException if the kubeconfig or the service account's files cannot be read
   */
  public static RolloutController controller(RolloutSettings settings, ProbeRunner probes)
      throws IOException {
    ApiClient client = client(settings);
    Clock clock = Clock.systemUTC();
    CanaryAnalysis analysis =
        new CanaryAnalysis(
            new PrometheusMetrics(settings.requirePrometheus(), settings.prometheusTimeout()),
            probes);
    LeaseElection election =
        new LeaseElection(
            client,
            settings.namespace(),
            settings.leaseName(),
            settings.identity(),
            settings.leaseDuration(),
            settings.renewDeadline(),
            clock);
    return new RolloutController(
        new RolloutStore(client, settings.namespace()),
        new StepMachine(analysis),
        election,
        clock,
        settings.analysisInterval());
  }

  /**
   * The watcher of the settings' namespace, not started; {@code splits} is told each model's split
   * (see {@link RolloutWatcher}).
   *
   * @throws IOException if the kubeconfig or the service account's files cannot be read
   */
  public static RolloutWatcher watcher(RolloutSettings settings, Consumer<TrafficSplit> splits)
      throws IOException {
    return new RolloutWatcher(client(settings), settings.namespace(), splits);
  }

  /** An API client from the kubeconfig, else the pod's service account; no read timeout. */
  static ApiClient client(RolloutSettings settings) throws IOException {
    ClientBuilder builder;
    if (settings.kubeconfig().isPresent()) {
      try (Reader reader = Files.newBufferedReader(settings.kubeconfig().get())) {
        KubeConfig config = KubeConfig.loadKubeConfig(reader);
        config.setFile(settings.kubeconfig().get().toFile());
        builder = ClientBuilder.kubeconfig(config);
      }
    } else {
      if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
        throw new IllegalStateException(
            "not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset) and "
                + RolloutSettings.KUBECONFIG
                + " is not set");
      }
      builder = ClientBuilder.cluster();
    }
    return builder.setReadTimeout(Duration.ZERO).build();
  }
}
