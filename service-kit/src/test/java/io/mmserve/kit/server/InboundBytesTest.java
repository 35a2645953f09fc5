package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.kit.config.Config;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The accounting of {@link InboundBytes}, driven as the transport drives a stream tracer. */
class InboundBytesTest {
  private static final String METHOD = "test.Service/Upload";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private static final long SMALL = InboundBytes.SMALL_BYTES;

  private final InboundBytes bytes = new InboundBytes(1000 + SMALL, 8 * SMALL, registry);

  private ServerStreamTracer call() {
    return bytes.newServerStreamTracer(METHOD, new Metadata());
  }

  @Test
  void bytesAreHeldFromTheirReadUntilTheCallEnds() {
    ServerStreamTracer a = call();
    ServerStreamTracer b = call();
    a.inboundWireSize(300);
    a.inboundWireSize(200);
    b.inboundWireSize(400);

    assertEquals(900, bytes.held());
    assertEquals(900, registry.get(InboundBytes.IN_FLIGHT).gauge().value());

    a.streamClosed(Status.OK);
    assertEquals(400, bytes.held());
    a.inboundWireSize(100); // a read reported after the close is not held by anyone
    assertEquals(400, bytes.held());
    b.streamClosed(Status.CANCELLED);
    assertEquals(0, bytes.held());
  }

  @Test
  void aReadPastTheLimitRefusesItsCallAndReleasesItsBytes() {
    ServerStreamTracer a = call();
    ServerStreamTracer b = call();
    a.inboundWireSize(700);
    b.inboundWireSize(SMALL + 200);

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> b.inboundWireSize(200));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    String message = e.getStatus().getDescription();
    assertTrue(message.startsWith(METHOD + ": overloaded: the server holds 700 bytes"), message);
    assertTrue(message.contains("this one's " + (SMALL + 400) + " bytes"), message);
    assertTrue(message.contains(InboundBytes.KEY + "=" + (1000 + SMALL)), message);
    assertEquals(700, bytes.held(), "the refused call's bytes are released at once");
    assertEquals(1, registry.get(InboundBytes.REFUSED).tag("method", METHOD).counter().count());

    b.inboundWireSize(500); // the transport may still report bytes it had read
    b.streamClosed(Status.UNAVAILABLE);
    assertEquals(700, bytes.held());
    a.inboundWireSize(SMALL + 300); // exactly at the limit is allowed
    assertEquals(1000 + SMALL, bytes.held());
  }

  @Test
  void aSmallCallIsNotRefusedForTheBytesOfLargeOnes() {
    ServerStreamTracer large = call();
    large.inboundWireSize(1000 + SMALL);
    ServerStreamTracer small = call();

    small.inboundWireSize(SMALL); // past the limit, but small: served

    assertEquals(1000 + 2 * SMALL, bytes.held());
    assertThrows(StatusRuntimeException.class, () -> small.inboundWireSize(1));
    assertEquals(1000 + SMALL, bytes.held());
  }

  @Test
  void theOnlyCallHoldingBytesIsNeverRefused() {
    ServerStreamTracer a = call();
    a.inboundWireSize(900);
    a.inboundWireSize(5 * SMALL);

    assertEquals(900 + 5 * SMALL, bytes.held());
    ServerStreamTracer b = call();
    assertThrows(StatusRuntimeException.class, () -> b.inboundWireSize(SMALL + 1));
    a.streamClosed(Status.OK);
    assertEquals(0, bytes.held());
  }

  @Test
  void aRequestPastTheCeilingIsRefusedEvenAlone() {
    ServerStreamTracer a = call();
    a.inboundWireSize(8 * SMALL);

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> a.inboundWireSize(1));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    String message = e.getStatus().getDescription();
    assertTrue(
        message.startsWith(METHOD + ": this request's " + (8 * SMALL + 1) + " bytes"), message);
    assertTrue(
        message.contains("(" + 8 * SMALL + " bytes, a third of -XX:MaxDirectMemorySize)"), message);
    assertEquals(0, bytes.held());
    assertTrue(InboundBytes.defaultCeiling() > 0);
  }

  @Test
  void theSettingDefaultsToAQuarterOfTheSmallerOfHeapAndDirectMemory() {
    Map<String, String> settings = new HashMap<>(ServerConfig.defaults(0, 0));
    assertEquals(
        InboundBytes.defaultLimit(),
        ServerConfig.from(Config.of(settings)).maxInboundBytesInFlight());
    assertTrue(InboundBytes.defaultLimit() <= Runtime.getRuntime().maxMemory() / 4);

    settings.put(InboundBytes.KEY, "48MiB");
    assertEquals(48L << 20, ServerConfig.from(Config.of(settings)).maxInboundBytesInFlight());
  }

  @Test
  void aLimitMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new InboundBytes(0, SMALL, registry));
    assertThrows(IllegalArgumentException.class, () -> new InboundBytes(SMALL, 0, registry));
  }
}
