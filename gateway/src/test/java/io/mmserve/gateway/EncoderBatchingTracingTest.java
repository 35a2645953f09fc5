package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Deadline;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.kit.tracing.BatchSpans;
import io.mmserve.kit.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The batcher's spans: each caller's queue span, one batch span parented by the first caller and
 * linked to every caller's queue span, the encoder call under the batch, answers in the caller's
 * context.
 */
class EncoderBatchingTracingTest {
  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(exported))
                  .build())
          .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
          .build();
  private final Tracing tracing = Tracing.of(sdk);
  private TextBatchingFixture fixture;

  @BeforeEach
  void start() throws IOException {
    fixture = new TextBatchingFixture(tracing::instrument, tracing.tracer());
  }

  @AfterEach
  void stop() throws InterruptedException {
    fixture.close();
    sdk.close();
  }

  @Test
  void encode_twoCallersInOneBatch_areLinkedFromTheBatchSpan() throws Exception {
    Span first = sdk.getTracer("test").spanBuilder("first call").startSpan();
    Span second = sdk.getTracer("test").spanBuilder("second call").startSpan();
    CompletableFuture<SpanContext> firstAnswerContext = new CompletableFuture<>();
    ListenableFuture<EncodeTextResponse> a = encodeIn(first, "a", firstAnswerContext);
    ListenableFuture<EncodeTextResponse> b = encodeIn(second, "b", new CompletableFuture<>());
    a.get(10, TimeUnit.SECONDS);
    b.get(10, TimeUnit.SECONDS);

    assertEquals(
        first.getSpanContext(),
        firstAnswerContext.get(10, TimeUnit.SECONDS),
        "the caller's continuation runs in its own context");
    SpanData firstQueue = span(EncoderBatching.QUEUE_SPAN, first.getSpanContext().getSpanId());
    SpanData secondQueue = span(EncoderBatching.QUEUE_SPAN, second.getSpanContext().getSpanId());
    SpanData batch = span(EncoderBatching.BATCH_SPAN, first.getSpanContext().getSpanId());
    assertEquals(
        List.of(firstQueue.getSpanContext(), secondQueue.getSpanContext()),
        batch.getLinks().stream().map(LinkData::getSpanContext).toList());
    assertEquals(2L, batch.getAttributes().get(BatchSpans.BATCH_SIZE));
    Long batchId = batch.getAttributes().get(BatchSpans.BATCH_ID);
    assertEquals(batchId, firstQueue.getAttributes().get(BatchSpans.BATCH_ID));
    assertEquals(batchId, secondQueue.getAttributes().get(BatchSpans.BATCH_ID));
    assertEquals(2L, secondQueue.getAttributes().get(BatchSpans.BATCH_SIZE));
    SpanData call =
        exported.getFinishedSpanItems().stream()
            .filter(s -> s.getKind() == SpanKind.CLIENT)
            .filter(s -> s.getName().equals("mmserve.encoder.v1.TextEncoder/EncodeText"))
            .findFirst()
            .orElseThrow();
    assertEquals(batch.getSpanId(), call.getParentSpanId(), "the encoder call is the batch's");
  }

  private ListenableFuture<EncodeTextResponse> encodeIn(
      Span caller, String text, CompletableFuture<SpanContext> answeredIn) {
    try (Scope ignored = caller.makeCurrent()) {
      ListenableFuture<EncodeTextResponse> answer =
          fixture.batching.encode(
              EncodeTextRequest.newBuilder().addTexts(text).build(),
              Deadline.after(10, TimeUnit.SECONDS),
              () -> false);
      answer.addListener(
          () -> answeredIn.complete(Span.current().getSpanContext()),
          MoreExecutors.directExecutor());
      return answer;
    }
  }

  private SpanData span(String name, String parentSpanId) {
    return exported.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name) && s.getParentSpanId().equals(parentSpanId))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " under " + parentSpanId + " missing"));
  }
}
