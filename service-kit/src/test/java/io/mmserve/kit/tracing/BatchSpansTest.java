package io.mmserve.kit.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchSpansTest {
  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private final SdkTracerProvider provider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
  private final Tracer tracer = provider.get("test");

  @AfterEach
  void close() {
    provider.close();
  }

  @Test
  void start_isTheFirstCallersChildAndLinksEveryCallerOnce() {
    Span first = tracer.spanBuilder("first caller").startSpan();
    Span second = tracer.spanBuilder("second caller").startSpan();
    Context a = Context.root().with(first);
    Context b = Context.root().with(second);

    BatchSpans.start(tracer, "batch", "vision", 7, 3, List.of(a, b, a)).end();

    SpanData batch = exported.getFinishedSpanItems().get(0);
    assertEquals(first.getSpanContext().getTraceId(), batch.getTraceId());
    assertEquals(first.getSpanContext().getSpanId(), batch.getParentSpanId());
    assertEquals(
        List.of(first.getSpanContext(), second.getSpanContext()),
        batch.getLinks().stream().map(LinkData::getSpanContext).toList());
    assertEquals(7L, batch.getAttributes().get(BatchSpans.BATCH_ID));
    assertEquals(3L, batch.getAttributes().get(BatchSpans.BATCH_SIZE));
    assertEquals(2L, batch.getAttributes().get(BatchSpans.BATCH_CALLERS));
    assertEquals("vision", batch.getAttributes().get(BatchSpans.BATCHER));
  }

  @Test
  void start_linksNothingForCallersWithoutASpan() {
    BatchSpans.start(tracer, "batch", "text", 1, 1, List.of(Context.root())).end();

    SpanData batch = exported.getFinishedSpanItems().get(0);
    assertEquals(List.of(), batch.getLinks());
    assertEquals(SpanContext.getInvalid().getSpanId(), batch.getParentSpanId());
  }
}
