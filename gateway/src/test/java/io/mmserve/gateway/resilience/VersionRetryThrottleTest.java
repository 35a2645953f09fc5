package io.mmserve.gateway.resilience;

import static io.mmserve.gateway.resilience.PoolFixture.answeredBy;
import static io.mmserve.gateway.resilience.PoolFixture.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.gateway.resilience.PoolFixture.Settings;
import io.mmserve.gateway.routing.VersionRouter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retry throttling per routed model version: stable and canary on the same two replicas (one
 * channel), the canary failing every call. Before, gRPC's one bucket per channel let the canary's
 * failures take stable's retries away, so a stable call whose first attempt failed was not retried.
 */
class VersionRetryThrottleTest {
  private static final String STABLE = "shapes-clip@1.0.0";
  private static final String CANARY = "shapes-clip@1.1.0-int8";

  private PoolFixture f;
  private final VersionRouter router = new VersionRouter("shapes-clip", n -> 0);

  @BeforeEach
  void start() throws Exception {
    router.apply("shapes-clip", "1.0.0", "1.1.0-int8", 10);
    f = new PoolFixture();
    f.scopes = router::breakerScope;
    Settings settings = new Settings(); // breakers that stay shut
    settings.maxAttempts = 2;
    settings.throttleTokens = 10; // retries stop once 5 attempts have failed
    settings.throttleRatio = 0.1;
    f.open(settings);
  }

  @AfterEach
  void stop() throws InterruptedException {
    f.close();
  }

  @Test
  void aCanaryFailingEveryCall_losesItsOwnRetries_whileStableCallsAreStillRetried()
      throws Exception {
    f.a.failWith = Status.UNAVAILABLE.withDescription("fault injected");
    f.b.failWith = f.a.failWith;
    f.a.failOnlyModel = CANARY;
    f.b.failOnlyModel = CANARY;
    for (int i = 0; i < 10; i++) {
      failure(f.call(CANARY));
    }

    int before = f.a.calls.get() + f.b.calls.get();
    StatusRuntimeException last = failure(f.call(CANARY));
    assertEquals(1, f.a.calls.get() + f.b.calls.get() - before, "the canary is not retried");
    assertEquals(Status.Code.UNAVAILABLE, last.getStatus().getCode());
    String description = last.getStatus().getDescription();
    assertTrue(description.startsWith("fault injected"), "its own failure: " + description);
    assertTrue(description.contains("not retried"), description);
    assertTrue(f.count("mmserve.backend.retries", "outcome", "throttled") >= 1);

    // now replica a fails stable's calls and b answers them: a stable call sent to a first is
    // retried on b, because the canary's failures took only the canary's tokens
    f.a.failOnlyModel = STABLE;
    f.b.failWith = null;
    int aBefore = f.a.calls.get();
    for (int i = 0; i < 4; i++) {
      assertEquals(f.b.address, answeredBy(f.call(STABLE)));
    }
    assertTrue(f.a.calls.get() > aBefore, "round robin sent some stable calls to a first");
  }
}
