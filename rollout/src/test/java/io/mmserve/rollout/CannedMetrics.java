package io.mmserve.rollout;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;

/** A {@link MetricSource} answering what the test set, per version; or failing like Prometheus. */
final class CannedMetrics implements MetricSource {
  private final Map<String, VersionMetrics> byVersion = new HashMap<>();
  private String unavailable;

  CannedMetrics set(String version, double requests, double errors, double p99Seconds) {
    byVersion.put(version, new VersionMetrics(requests, errors, OptionalDouble.of(p99Seconds)));
    return this;
  }

  /** As {@link #set}, with {@code newSeries} of the version's series at a single sample. */
  CannedMetrics setWithNewSeries(
      String version, double requests, double errors, double p99Seconds, int newSeries) {
    byVersion.put(
        version, new VersionMetrics(requests, errors, OptionalDouble.of(p99Seconds), newSeries));
    return this;
  }

  CannedMetrics noTraffic(String version) {
    byVersion.put(version, new VersionMetrics(0, 0, OptionalDouble.empty()));
    return this;
  }

  void unreachable(String message) {
    this.unavailable = message;
  }

  @Override
  public VersionMetrics read(String model, String version, Duration window)
      throws MetricsUnavailableException {
    if (unavailable != null) {
      throw new MetricsUnavailableException(unavailable);
    }
    return byVersion.getOrDefault(version, new VersionMetrics(0, 0, OptionalDouble.empty()));
  }
}
