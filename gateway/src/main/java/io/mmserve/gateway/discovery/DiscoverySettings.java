package io.mmserve.gateway.discovery;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the gateway reaches the Kubernetes API for {@code kubernetes:///} targets.
 *
 * @param kubeconfig a kubeconfig file (tests, a developer's machine); empty: the pod's service
 *     account (in-cluster config)
 */
public record DiscoverySettings(Optional<Path> kubeconfig) {
  /** The kubeconfig file; unset means in-cluster config. */
  public static final String KUBECONFIG = "discovery.kubernetes.kubeconfig";

  /** In-cluster config. */
  public static final DiscoverySettings IN_CLUSTER = new DiscoverySettings(Optional.empty());

  /**
   * Reads {@value #KUBECONFIG}.
   *
   * @throws ConfigException naming the key and the value if the file cannot be read
   */
  public static DiscoverySettings from(Config config) {
    Optional<String> raw = config.find(KUBECONFIG);
    if (raw.isEmpty()) {
      return IN_CLUSTER;
    }
    Path path = Path.of(raw.get());
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new ConfigException(
          KUBECONFIG
              + " must name a readable kubeconfig file, but was "
              + raw.get()
              + " (from "
              + config.sourceOf(KUBECONFIG)
              + ")");
    }
    return new DiscoverySettings(Optional.of(path));
  }
}
