package io.mmserve.rollout;

import java.time.Duration;

/**
 * Where the analysis reads per-version request metrics; {@link PrometheusMetrics} in production.
 */
public interface MetricSource {
  /**
   * The metrics of {@code model@version} over the last {@code window}.
   *
   * @throws MetricsUnavailableException when they cannot be read (the rollout then holds)
   */
  VersionMetrics read(String model, String version, Duration window)
      throws MetricsUnavailableException;
}
