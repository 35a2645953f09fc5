package io.mmserve.gateway.resilience;

import static io.mmserve.gateway.resilience.PoolFixture.BACKEND;
import static io.mmserve.gateway.resilience.PoolFixture.answeredBy;
import static io.mmserve.gateway.resilience.PoolFixture.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.mmserve.gateway.resilience.PoolFixture.Settings;
import io.mmserve.gateway.routing.VersionRouter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Circuit breakers per routed model version: two versions of one model on the same two replicas (as
 * {@code ./mmserve up --canary} and any deployment where stable and canary share encoder pods run
 * them), the canary failing every call with UNAVAILABLE.
 */
class VersionBreakersTest {
  private static final String STABLE = "shapes-clip@1.0.0";
  private static final String CANARY = "shapes-clip@1.1.0-int8";

  private PoolFixture f;
  private final VersionRouter router = new VersionRouter("shapes-clip", n -> 0);

  @BeforeEach
  void start() throws Exception {
    router.apply("shapes-clip", "1.0.0", "1.1.0-int8", 10);
    f = new PoolFixture();
    f.scopes = router::breakerScope;
    f.open(Settings.breaking());
  }

  @AfterEach
  void stop() throws InterruptedException {
    f.close();
  }

  private double circuit(String endpoint, String model, String version) {
    Gauge gauge =
        f.registry
            .find("mmserve.backend.circuit.state")
            .tags("backend", BACKEND, "endpoint", endpoint, "model", model, "version", version)
            .gauge();
    assertNotNull(gauge, () -> "no circuit gauge of " + endpoint + " " + model + "@" + version);
    return gauge.value();
  }

  /** Calls of both versions, enough for round robin to give each replica some. */
  private void bothVersionsOnBothReplicas() throws Exception {
    for (int i = 0; i < 4; i++) {
      answeredBy(f.call(STABLE));
    }
    for (int i = 0; i < 4; i++) {
      answeredBy(f.call(CANARY));
    }
  }

  private int circuitGauges() {
    return f.registry.find("mmserve.backend.circuit.state").gauges().size();
  }

  @Test
  void aCanaryFailingEveryCall_opensOnlyItsOwnCircuits_andStableCallsAllSucceed() throws Exception {
    f.a.failOnlyModel = CANARY;
    f.b.failOnlyModel = CANARY;
    f.a.failWith = Status.UNAVAILABLE.withDescription("fault injected");
    f.b.failWith = f.a.failWith;

    for (int i = 0; i < 20; i++) {
      failure(f.call(CANARY));
      answeredBy(f.call(STABLE)); // throws if a stable call failed
    }

    assertEquals(1.0, circuit(f.a.address, "shapes-clip", "1.1.0-int8"));
    assertEquals(1.0, circuit(f.b.address, "shapes-clip", "1.1.0-int8"));
    assertEquals(0.0, circuit(f.a.address, "shapes-clip", "1.0.0"));
    assertEquals(0.0, circuit(f.b.address, "shapes-clip", "1.0.0"));
    assertEquals(0.0, circuit(f.a.address, "", ""), "the shared circuit");
    String refused = failure(f.call(CANARY)).getStatus().getDescription();
    assertTrue(
        refused.startsWith(BACKEND + " (" + CANARY + ") is unavailable: circuit open"), refused);
  }

  @Test
  void versionsNoSplitNames_shareOneBreakerPerEndpoint_soCallersCannotMakeBreakers()
      throws Exception {
    for (int i = 0; i < 50; i++) {
      answeredBy(f.call("shapes-clip@made-up-" + i));
      answeredBy(f.call("other-model@" + i));
    }
    bothVersionsOnBothReplicas();

    // per endpoint: the shared breaker, stable's and the canary's
    assertEquals(2 * 3, circuitGauges());
  }

  @Test
  void aVersionThatLeavesItsSplit_losesItsBreakers_whenAnotherVersionComes() throws Exception {
    bothVersionsOnBothReplicas();
    assertEquals(2 * 3, circuitGauges());

    router.apply("shapes-clip", "1.0.0", "1.2.0", 10); // 1.1.0-int8 rolled back, 1.2.0 next
    for (int i = 0; i < 4; i++) {
      answeredBy(f.call("shapes-clip@1.2.0")); // round robin: each replica gets some
    }

    assertEquals(2 * 3, circuitGauges());
    assertEquals(0.0, circuit(f.a.address, "shapes-clip", "1.2.0"));
  }
}
