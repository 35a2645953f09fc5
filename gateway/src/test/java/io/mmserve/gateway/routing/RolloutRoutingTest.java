package io.mmserve.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmserve.rollout.TrafficSplit;
import org.junit.jupiter.api.Test;

/** The watcher's splits as the router applies them. */
class RolloutRoutingTest {
  private final VersionRouter router = new VersionRouter("shapes-clip", n -> 0);
  private final RolloutRouting routing = new RolloutRouting(router);

  @Test
  void aCanaryAtAWeight_isAppliedAsThatSplit() {
    routing.accept(new TrafficSplit("shapes-clip", "1.0.0", "1.1.0-int8", 25));

    assertEquals(
        new VersionSplit("shapes-clip", "1.0.0", "1.1.0-int8", 25),
        router.split("shapes-clip").orElseThrow());
  }

  @Test
  void anAllStableSplit_sendsEveryRequestToStable() {
    routing.accept(new TrafficSplit("shapes-clip", "1.0.0", "1.1.0-int8", 50));

    routing.accept(TrafficSplit.allStable("shapes-clip", "1.1.0-int8")); // promoted

    assertEquals(
        new VersionSplit("shapes-clip", "1.1.0-int8", "", 0),
        router.split("shapes-clip").orElseThrow());
  }

  @Test
  void aCanaryAtZero_isNoCanary() {
    routing.accept(new TrafficSplit("shapes-clip", "1.0.0", "1.1.0-int8", 0));

    assertEquals(
        new VersionSplit("shapes-clip", "1.0.0", "", 0), router.split("shapes-clip").orElseThrow());
  }

  @Test
  void aSplitTheRouterRefuses_keepsThePreviousOne() {
    routing.accept(new TrafficSplit("shapes-clip", "1.0.0", "1.1.0-int8", 5));

    routing.accept(new TrafficSplit("shapes-clip", "1.0.0", "bad@version", 50));

    assertEquals(
        new VersionSplit("shapes-clip", "1.0.0", "1.1.0-int8", 5),
        router.split("shapes-clip").orElseThrow());
  }
}
