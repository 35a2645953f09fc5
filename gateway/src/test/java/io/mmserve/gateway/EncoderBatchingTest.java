package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Context;
import io.grpc.Deadline;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.gateway.resilience.BackendPool;
import io.opentelemetry.api.trace.TracerProvider;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's batcher in front of a real {@link BackendPool} and an in-process text encoder whose
 * calls run on their own threads (so a held call does not hold the caller's thread).
 */
class EncoderBatchingTest {
  private TextBatchingFixture fixture;
  private FakeTextEncoder encoder;

  @BeforeEach
  void start() throws IOException {
    fixture = new TextBatchingFixture(b -> b, TracerProvider.noop().get(""));
    encoder = fixture.encoder;
  }

  @AfterEach
  void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void encode_theCallerWhoseItemFilledTheBatchCancelling_doesNotCancelTheOthersInIt()
      throws Exception {
    encoder.gate = new CountDownLatch(1);
    ListenableFuture<EncodeTextResponse> waiting = encode("waiting", () -> false);
    Context.CancellableContext fillerCall = Context.current().withCancellation();
    // the batch is full with the filler's text, so it leaves on the filler's thread and context
    fillerCall.run(() -> encode("filler", fillerCall::isCancelled));
    Eventually.await("the shared batch reached the encoder", () -> encoder.requests.size() == 1);

    fillerCall.cancel(null);
    encoder.gate.countDown();

    assertEquals(1, waiting.get(10, TimeUnit.SECONDS).getEmbeddings().getShape(0));
    assertEquals(List.of("waiting", "filler"), encoder.encodedTexts());
  }

  private ListenableFuture<EncodeTextResponse> encode(
      String text, java.util.function.BooleanSupplier cancelled) {
    return fixture.batching.encode(
        EncodeTextRequest.newBuilder().addTexts(text).build(),
        Deadline.after(10, TimeUnit.SECONDS),
        cancelled);
  }
}
