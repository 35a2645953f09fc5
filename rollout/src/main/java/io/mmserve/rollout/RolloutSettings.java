package io.mmserve.rollout;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The rollout controller's and watcher's settings (docs/configuration.md#rollouts), read once.
 *
 * @param enabled watch ModelRollouts and apply their traffic splits
 * @param controllerEnabled also run a rollout controller candidate (with {@code enabled})
 * @param kubeconfig empty: the pod's service account (in-cluster config)
 * @param namespace where the ModelRollouts and the Lease live
 * @param prometheus Prometheus's base URL; empty for a watcher alone (the controller needs it)
 * @param identity this controller's name in the Lease
 * @param probeTimeout the longest one probe-set check of a canary may take
 */
public record RolloutSettings(
    boolean enabled,
    boolean controllerEnabled,
    Optional<Path> kubeconfig,
    String namespace,
    Optional<URI> prometheus,
    Duration prometheusTimeout,
    Duration analysisInterval,
    String leaseName,
    Duration leaseDuration,
    Duration renewDeadline,
    String identity,
    Duration probeTimeout) {
  public static final String ENABLED = "rollout.enabled";
  public static final String CONTROLLER_ENABLED = "rollout.controller.enabled";
  public static final String KUBECONFIG = "rollout.kubeconfig";
  public static final String NAMESPACE = "rollout.namespace";
  public static final String PROMETHEUS_URL = "rollout.prometheus.url";
  public static final String PROMETHEUS_TIMEOUT = "rollout.prometheus.timeout";
  public static final String ANALYSIS_INTERVAL = "rollout.analysis-interval";
  public static final String LEASE_NAME = "rollout.lease.name";
  public static final String LEASE_DURATION = "rollout.lease.duration";
  public static final String RENEW_DEADLINE = "rollout.lease.renew-deadline";
  public static final String IDENTITY = "rollout.identity";
  public static final String PROBE_TIMEOUT = "rollout.probe-timeout";

  /** Where a pod's namespace is mounted with its service account. */
  static final Path POD_NAMESPACE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  /** Every setting with its default ("" for none), to merge into a service's defaults. */
  public static final Map<String, String> DEFAULTS =
      Map.ofEntries(
          Map.entry(ENABLED, "false"),
          Map.entry(CONTROLLER_ENABLED, "false"),
          Map.entry(KUBECONFIG, ""),
          Map.entry(NAMESPACE, ""),
          Map.entry(PROMETHEUS_URL, ""),
          Map.entry(PROMETHEUS_TIMEOUT, "5s"),
          Map.entry(ANALYSIS_INTERVAL, "10s"),
          Map.entry(LEASE_NAME, "mmserve-rollout-controller"),
          Map.entry(LEASE_DURATION, "15s"),
          Map.entry(RENEW_DEADLINE, "10s"),
          Map.entry(IDENTITY, ""),
          Map.entry(PROBE_TIMEOUT, "30s"));

  /**
   * Reads the settings; the namespace only when {@value #ENABLED} is true.
   *
   * @throws ConfigException naming the key and the bad value
   */
  public static RolloutSettings from(Config config) {
    Optional<Path> kubeconfig = config.find(KUBECONFIG).filter(v -> !v.isBlank()).map(Path::of);
    if (kubeconfig.isPresent() && !Files.isReadable(kubeconfig.get())) {
      throw new ConfigException(
          KUBECONFIG + " must name a readable kubeconfig file, but was " + kubeconfig.get());
    }
    Duration leaseDuration =
        config.getDuration(LEASE_DURATION, Duration.ofSeconds(2), Duration.ofMinutes(5));
    Duration renewDeadline =
        config.getDuration(RENEW_DEADLINE, Duration.ofSeconds(1), Duration.ofMinutes(5));
    if (renewDeadline.compareTo(leaseDuration) >= 0) {
      throw new ConfigException(
          RENEW_DEADLINE
              + " must be shorter than "
              + LEASE_DURATION
              + " ("
              + leaseDuration
              + "), but was "
              + config.getString(RENEW_DEADLINE));
    }
    String identity =
        config.find(IDENTITY).filter(v -> !v.isBlank()).orElseGet(RolloutSettings::defaultIdentity);
    boolean enabled = config.getBoolean(ENABLED);
    return new RolloutSettings(
        enabled,
        enabled && config.getBoolean(CONTROLLER_ENABLED),
        kubeconfig,
        enabled ? namespace(config, kubeconfig) : "",
        prometheus(config),
        config.getDuration(PROMETHEUS_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(1)),
        config.getDuration(ANALYSIS_INTERVAL, Duration.ofMillis(200), Duration.ofHours(1)),
        config.getString(LEASE_NAME),
        leaseDuration,
        renewDeadline,
        identity,
        config.getDuration(PROBE_TIMEOUT, Duration.ofSeconds(1), Duration.ofMinutes(10)));
  }

  /** The Prometheus URL, or a ConfigException saying the controller needs one. */
  public URI requirePrometheus() {
    return prometheus.orElseThrow(
        () ->
            new ConfigException(
                PROMETHEUS_URL + " must be set for the rollout controller, but was empty"));
  }

  private static String namespace(Config config, Optional<Path> kubeconfig) {
    Optional<String> set = config.find(NAMESPACE).filter(v -> !v.isBlank());
    if (set.isPresent()) {
      return set.get();
    }
    if (kubeconfig.isEmpty() && Files.isReadable(POD_NAMESPACE)) {
      try {
        return Files.readString(POD_NAMESPACE).strip();
      } catch (IOException e) {
        throw new ConfigException(
            "cannot read the pod's namespace from " + POD_NAMESPACE + ": " + e);
      }
    }
    throw new ConfigException(
        NAMESPACE + " must be set outside a pod (no " + POD_NAMESPACE + "), but was empty");
  }

  private static Optional<URI> prometheus(Config config) {
    Optional<String> raw = config.find(PROMETHEUS_URL).filter(v -> !v.isBlank());
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(raw.get());
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new URISyntaxException(raw.get(), "not an http(s) URL with a host");
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      throw new ConfigException(
          PROMETHEUS_URL
              + " must be an http(s) URL such as http://prometheus:9090, but was "
              + raw.get());
    }
  }

  /** The pod's name (HOSTNAME) with a random suffix, so a restarted pod is a new candidate. */
  private static String defaultIdentity() {
    String host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("mmserve");
    return host + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
