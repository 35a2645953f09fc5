package io.mmserve.gateway.resilience;

import static io.mmserve.gateway.resilience.PoolFixture.PUSHBACK;
import static io.mmserve.gateway.resilience.PoolFixture.answeredBy;
import static io.mmserve.gateway.resilience.PoolFixture.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.gateway.Eventually;
import io.mmserve.gateway.resilience.PoolFixture.Settings;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Balancing, health, retries and meters of a {@link BackendPool} over two loopback replicas (see
 * {@link PoolFixture}).
 */
class BackendPoolTest {
  private PoolFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new PoolFixture();
  }

  @AfterEach
  void stop() throws InterruptedException {
    f.close();
  }

  // --- balancing and health

  @Test
  void counters_existAtZeroBeforeTheFirstRetryOrRejection() throws Exception {
    f.open(new Settings());

    Counter retries =
        f.registry
            .find("mmserve.backend.retries")
            .tags("backend", PoolFixture.BACKEND, "outcome", "retried")
            .counter();
    assertEquals(0.0, retries == null ? -1 : retries.count(), "retries");
    for (String reason : List.of("circuit_open", "bulkhead_full", "no_endpoints")) {
      Counter rejected =
          f.registry
              .find("mmserve.backend.rejected")
              .tags("backend", PoolFixture.BACKEND, "reason", reason)
              .counter();
      assertEquals(0.0, rejected == null ? -1 : rejected.count(), "rejected " + reason);
    }
  }

  @Test
  void roundRobin_sendsCallsToEachReplicaInTurn() throws Exception {
    f.open(new Settings());

    for (int i = 0; i < 4; i++) {
      answeredBy(f.call());
    }

    assertEquals(2, f.a.calls.get());
    assertEquals(2, f.b.calls.get());
  }

  @Test
  void leastRequest_sendsCallsToTheReplicaWithFewerCallsInFlight() throws Exception {
    Settings settings = new Settings();
    settings.loadBalancing = ResilienceSettings.LoadBalancing.LEAST_REQUEST;
    f.open(settings);
    f.a.hold = true;

    for (int i = 0; i < 10; i++) {
      int held = f.a.held.size();
      ListenableFuture<EncodeTextResponse> answer = f.call();
      Eventually.await(
          "call " + i + " answered or held", () -> answer.isDone() || f.a.held.size() > held);
    }

    assertEquals(1, f.a.calls.get(), "a holds one call, so every other call goes to b");
    assertEquals(9, f.b.calls.get());
    f.a.releaseHeld();
  }

  @Test
  void health_aReplicaReportingNotServingGetsNoCallsUntilItServesAgain() throws Exception {
    f.a.serving(false);
    f.openWithoutWarmUp(new Settings());

    for (int i = 0; i < 4; i++) {
      assertEquals(f.b.address, answeredBy(f.call()));
    }
    assertEquals(0, f.a.calls.get());

    f.a.serving(true);
    Eventually.await("a serves again", () -> answeredByQuietly(f.call()).equals(f.a.address));
  }

  @Test
  void meters_nameEachEndpointAsTheTargetWroteIt() throws Exception {
    f.open(new Settings());
    answeredBy(f.call());

    for (Replica r : new Replica[] {f.a, f.b}) {
      assertEquals(0.0, f.gauge("mmserve.backend.circuit.state", r.address), r.address);
      Eventually.await(
          r.address + " connected",
          () -> f.gauge("mmserve.backend.endpoint.connected", r.address) == 1.0);
    }
  }

  // --- retries

  @Test
  void retry_ofUnavailableGoesToTheOtherReplica() throws Exception {
    f.open(new Settings());
    f.a.failWith = Status.UNAVAILABLE.withDescription("a is stopping");

    for (int i = 0; i < 4; i++) {
      assertEquals(f.b.address, answeredBy(f.call()));
    }

    assertTrue(f.a.calls.get() > 0, "round robin tries a first for some calls");
    assertEquals(
        f.a.calls.get(),
        f.count("mmserve.backend.retries", "outcome", "retried"),
        "every call a failed was retried");
  }

  @Test
  void retry_stopsAfterMaxAttempts() throws Exception {
    Settings settings = new Settings();
    settings.maxAttempts = 3;
    f.open(settings);
    f.a.failWith = Status.UNAVAILABLE;
    f.b.failWith = Status.UNAVAILABLE;

    assertEquals(Status.Code.UNAVAILABLE, failure(f.call()).getStatus().getCode());

    assertEquals(3, f.a.calls.get() + f.b.calls.get());
  }

  @Test
  void retry_neverOfACallerError() throws Exception {
    f.open(new Settings());
    f.a.failWith = Status.INVALID_ARGUMENT.withDescription("texts[0] is empty");
    f.b.failWith = f.a.failWith;

    StatusRuntimeException e = failure(f.call());

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("texts[0] is empty", e.getStatus().getDescription());
    assertEquals(1, f.a.calls.get() + f.b.calls.get());
  }

  @Test
  void retry_notWhenTheBackendSaysNotTo() throws Exception {
    f.open(new Settings());
    Metadata noRetry = new Metadata();
    noRetry.put(PUSHBACK, "-1");
    for (Replica r : new Replica[] {f.a, f.b}) {
      r.failWith = Status.UNAVAILABLE.withDescription("overloaded");
      r.failTrailers = noRetry;
    }

    assertEquals(Status.Code.UNAVAILABLE, failure(f.call()).getStatus().getCode());

    assertEquals(1, f.a.calls.get() + f.b.calls.get());
  }

  @Test
  void close_removesTheEndpointMeters() throws Exception {
    f.open(new Settings());
    answeredBy(f.call());

    f.pool.close();
    f.pool = null;

    assertNull(f.registry.find("mmserve.backend.circuit.state").gauge());
  }

  private static String answeredByQuietly(ListenableFuture<EncodeTextResponse> answer) {
    try {
      return answeredBy(answer);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
