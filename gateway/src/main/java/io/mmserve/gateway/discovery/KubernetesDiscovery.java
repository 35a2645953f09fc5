package io.mmserve.gateway.discovery;

import io.grpc.NameResolverProvider;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.OkHttpClient;

/**
 * Discovery through the Kubernetes API: the {@code kubernetes:///} name resolver provider to
 * register with the channels' {@link io.grpc.NameResolverRegistry}, the Services' EndpointSlice
 * watches it shares between channels, and the one API client they use. Nothing talks to the API
 * until a channel resolves a {@code kubernetes:///} target, so a gateway with only static or DNS
 * targets needs no cluster. Main makes one and closes it after the channels.
 */
public final class KubernetesDiscovery implements AutoCloseable {
  private final DiscoverySettings settings;
  private final SliceWatches watches;
  private final KubernetesNameResolverProvider provider;
  private ApiClient client; // guarded by this

  public KubernetesDiscovery(DiscoverySettings settings, MeterRegistry registry) {
    this.settings = settings;
    DiscoveryMetrics metrics = new DiscoveryMetrics(registry);
    this.watches =
        new SliceWatches(
            (service, namespace) ->
                new EndpointSliceInformer(
                    client(), service, namespace, metrics.service(service + "." + namespace)));
    this.provider = new KubernetesNameResolverProvider(watches, metrics);
  }

  /** The provider of {@code kubernetes:///service.namespace:port} resolvers. */
  public NameResolverProvider provider() {
    return provider;
  }

  /**
   * Makes the API client now rather than at the first resolution, so a gateway with {@code
   * kubernetes:///} targets and no way to the API (no kubeconfig, not in a pod) fails at start.
   * Reads the kubeconfig or service account files; sends nothing.
   *
   * @throws IOException if the kubeconfig or the service account's files cannot be read
   * @throws IllegalStateException if neither a kubeconfig nor in-cluster config is there
   */
  public void configureClient() throws IOException {
    client();
  }

  /**
   * The API client, made on first use from the kubeconfig file or the pod's service account.
   *
   * @throws IOException if the kubeconfig or the service account's files cannot be read
   * @throws IllegalStateException if neither a kubeconfig nor in-cluster config is there
   */
  private synchronized ApiClient client() throws IOException {
    if (client == null) {
      client = newClient(settings);
    }
    return client;
  }

  private static ApiClient newClient(DiscoverySettings settings) throws IOException {
    ClientBuilder builder;
    if (settings.kubeconfig().isPresent()) {
      Path path = settings.kubeconfig().get();
      try (Reader reader = Files.newBufferedReader(path)) {
        KubeConfig config = KubeConfig.loadKubeConfig(reader);
        config.setFile(path.toFile()); // certificate paths are relative to the file
        builder = ClientBuilder.kubeconfig(config);
      }
    } else {
      if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
        throw new IllegalStateException(
            "not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset) and "
                + DiscoverySettings.KUBECONFIG
                + " is not set");
      }
      builder = ClientBuilder.cluster();
    }
    // watches are long requests: no read timeout (the informer factory insists)
    return builder.setReadTimeout(Duration.ZERO).build();
  }

  /** Stops every watch and the client's connections and threads. */
  @Override
  public void close() throws InterruptedException {
    watches.close();
    synchronized (this) {
      if (client != null) {
        OkHttpClient http = client.getHttpClient();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
      }
    }
  }
}
