package io.mmserve.gateway.resilience;

import static io.mmserve.gateway.resilience.PoolFixture.answeredBy;
import static io.mmserve.gateway.resilience.PoolFixture.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.gateway.Eventually;
import io.mmserve.gateway.resilience.PoolFixture.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pool whose resolver pushes endpoint changes, as the {@code kubernetes:///} resolver does when
 * pods turn ready, unready or go away.
 */
class EndpointChangesTest {
  private final ManualResolverProvider resolver = new ManualResolverProvider();
  private PoolFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new PoolFixture();
    f.openOver(
        ManualResolverProvider.TARGET,
        new Settings(),
        BackendPool.ChannelFactory.plaintext(1 << 20, resolver));
  }

  @AfterEach
  void stop() throws InterruptedException {
    f.close();
  }

  @Test
  void addedEndpoint_takesNewCalls() throws Exception {
    resolver.resolve(f.a.address);
    assertEquals(f.a.address, answeredBy(f.call()));

    resolver.resolve(f.a.address, f.b.address);

    Eventually.await("b takes calls", () -> call().equals(f.b.address));
  }

  @Test
  void removedEndpoint_finishesItsCallInFlight_andGetsNoNewCalls() throws Exception {
    resolver.resolve(f.a.address);
    assertEquals(f.a.address, answeredBy(f.call()));
    f.a.hold = true;
    ListenableFuture<EncodeTextResponse> inFlight = f.call();
    Eventually.await("the call reached a", () -> f.a.held.size() == 1);

    resolver.resolve(f.b.address);
    Eventually.await("b takes calls", () -> call().equals(f.b.address));
    for (int i = 0; i < 5; i++) {
      assertEquals(f.b.address, answeredBy(f.call()));
    }
    f.a.releaseHeld();

    assertEquals(f.a.address, answeredBy(inFlight));
    assertEquals(2, f.a.calls.get());
  }

  @Test
  void noEndpointsLeft_newCallsFailWithUnavailable_andReachNoOldEndpoint() throws Exception {
    resolver.resolve(f.a.address);
    assertEquals(f.a.address, answeredBy(f.call()));

    resolver.resolve();
    Eventually.await("calls fail", () -> call().startsWith("UNAVAILABLE"));
    int callsOfA = f.a.calls.get();
    Status status = failure(f.call()).getStatus();

    assertEquals(Status.Code.UNAVAILABLE, status.getCode());
    assertEquals(
        "the name resolver lists no endpoints of text-encoder-svc", status.getDescription());
    assertEquals(callsOfA, f.a.calls.get());
    resolver.resolve(f.b.address);
    Eventually.await("b takes calls", () -> call().equals(f.b.address));
  }

  /** Who answered one call, or the failure's code. */
  private String call() {
    ListenableFuture<EncodeTextResponse> answer = f.call();
    try {
      return answeredBy(answer);
    } catch (Exception e) {
      return failure(answer).getStatus().getCode().name();
    }
  }
}
