package io.mmserve.gateway.resilience;

import static io.mmserve.gateway.resilience.PoolFixture.BACKEND;
import static io.mmserve.gateway.resilience.PoolFixture.PUSHBACK;
import static io.mmserve.gateway.resilience.PoolFixture.answeredBy;
import static io.mmserve.gateway.resilience.PoolFixture.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.gateway.Eventually;
import io.mmserve.gateway.resilience.PoolFixture.Settings;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The circuit breakers and bulkheads the {@code mmserve_endpoint_guard} policy keeps per endpoint,
 * through a {@link BackendPool} over two loopback replicas (see {@link PoolFixture}); the breakers'
 * time is the fixture's clock.
 */
class EndpointGuardTest {
  private PoolFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new PoolFixture();
  }

  @AfterEach
  void stop() throws InterruptedException {
    f.close();
  }

  @Test
  void circuit_opensAfterFailures_thenCallsFailAtOnceNamingTheOpenCircuits() throws Exception {
    f.open(Settings.breaking());
    f.a.failWith = Status.UNAVAILABLE;
    f.b.failWith = Status.UNAVAILABLE;
    for (int i = 0; i < 4; i++) {
      failure(f.call());
    }
    assertEquals(1.0, f.gauge("mmserve.backend.circuit.state", f.a.address));
    assertEquals(1.0, f.gauge("mmserve.backend.circuit.state", f.b.address));
    int sent = f.a.calls.get() + f.b.calls.get();

    StatusRuntimeException refused = failure(f.call());

    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    assertEquals(
        BACKEND
            + " is unavailable: circuit open for every endpoint ("
            + f.a.address
            + " circuit open, "
            + f.b.address
            + " circuit open)",
        refused.getStatus().getDescription());
    assertNull(refused.getStatus().getCause());
    assertEquals(sent, f.a.calls.get() + f.b.calls.get(), "the refused call was not sent");
    assertTrue(f.count("mmserve.backend.rejected", "reason", "circuit_open") > 0);
  }

  @Test
  void circuit_letsTrialCallsThroughAfterTheOpenDurationAndClosesOnSuccess() throws Exception {
    f.open(Settings.breaking());
    f.a.failWith = Status.UNAVAILABLE;
    f.b.failWith = Status.UNAVAILABLE;
    for (int i = 0; i < 4; i++) {
      failure(f.call());
    }
    f.a.failWith = null;
    f.b.failWith = null;
    failure(f.call()); // still open: the clock has not moved

    f.clock.advance(Duration.ofSeconds(1).plusMillis(1));

    answeredBy(f.call());
    answeredBy(f.call());
    assertEquals(0.0, f.gauge("mmserve.backend.circuit.state", f.a.address));
    assertEquals(0.0, f.gauge("mmserve.backend.circuit.state", f.b.address));
  }

  @Test
  void circuit_staysClosedWhenCallsFailWithCallerErrors() throws Exception {
    f.open(Settings.breaking());
    f.a.failWith = Status.INVALID_ARGUMENT.withDescription("texts[0] is empty");
    f.b.failWith = f.a.failWith;

    for (int i = 0; i < 4; i++) {
      assertEquals(Status.Code.INVALID_ARGUMENT, failure(f.call()).getStatus().getCode());
    }

    assertEquals(0.0, f.gauge("mmserve.backend.circuit.state", f.a.address));
    assertEquals(0.0, f.gauge("mmserve.backend.circuit.state", f.b.address));
  }

  @Test
  void circuit_opensForReplicasNobodyListensOn() throws Exception {
    String target = PoolFixture.closedPort() + "," + PoolFixture.closedPort();
    Settings settings = Settings.breaking();
    f.openOver(target, settings);

    for (int i = 0; i < 2; i++) {
      assertEquals(Status.Code.UNAVAILABLE, failure(f.call()).getStatus().getCode());
    }

    StatusRuntimeException refused = failure(f.call());
    assertTrue(
        refused.getStatus().getDescription().contains("circuit open for every endpoint"),
        refused::toString);
  }

  @Test
  void bulkhead_fullOnEveryReplica_shedsTheCallAtOnceWithARetryHint() throws Exception {
    Settings settings = new Settings();
    settings.bulkhead = 1;
    f.open(settings);
    f.a.hold = true;
    f.b.hold = true;
    ListenableFuture<EncodeTextResponse> first = f.call();
    ListenableFuture<EncodeTextResponse> second = f.call();
    Eventually.await(
        "both replicas hold a call", () -> f.a.held.size() == 1 && f.b.held.size() == 1);

    StatusRuntimeException shed = failure(f.call());

    assertEquals(Status.Code.UNAVAILABLE, shed.getStatus().getCode());
    assertTrue(
        shed.getStatus().getDescription().startsWith(BACKEND + " is overloaded: "), shed::toString);
    assertTrue(
        shed.getStatus()
            .getDescription()
            .contains(f.a.address + " at its limit of 1 concurrent calls"),
        shed::toString);
    assertEquals("100", shed.getTrailers().get(PUSHBACK));
    assertEquals(1.0, f.count("mmserve.backend.rejected", "reason", "bulkhead_full"));
    f.a.hold = false;
    f.b.hold = false;
    f.a.releaseHeld();
    f.b.releaseHeld();
    answeredBy(first);
    answeredBy(second);
    answeredBy(f.call());
  }
}
