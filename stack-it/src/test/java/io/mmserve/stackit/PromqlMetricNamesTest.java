package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PromqlMetricNamesTest {
  @Test
  void of_findsTheMetricsOfARatio_notItsFunctionsLabelsOrDurations() {
    assertEquals(
        Set.of("errors_total", "requests_total"),
        PromqlMetricNames.of(
            "sum by (method) (rate(errors_total{status=~\"UNAVAILABLE|INTERNAL\", job=~\"$job\"}"
                + "[$__rate_interval])) / sum by (method) (rate(requests_total[5m])) > 0.05"));
  }

  @Test
  void of_skipsKeywordsNumbersAndGroupingLabels() {
    assertEquals(
        Set.of("a_seconds_bucket", "b", "c_max"),
        PromqlMetricNames.of(
            "histogram_quantile(0.99, sum without (instance, le) (rate(a_seconds_bucket[5m])))"
                + " > 1e-3 and on (job) b offset 5m unless ignoring(x) max by (job) (c_max) > bool"
                + " Inf"));
  }

  @Test
  void of_findsABareSelector() {
    assertEquals(Set.of("up"), PromqlMetricNames.of("up == 0"));
  }
}
