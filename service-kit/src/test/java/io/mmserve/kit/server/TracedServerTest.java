package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.kit.tracing.Tracing;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tracing interceptor outside the standard ones: spans follow the caller's traceparent. */
class TracedServerTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";

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
  private final String name = InProcessServerBuilder.generateName();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    sdk.close();
  }

  @Test
  void standardInterceptors_putTheServerSpanAroundTheRequestLog() throws Exception {
    BlockingQueue<SpanContext> logged = new LinkedBlockingQueue<>();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    builder.addService(new HealthStatusManager().getHealthService());
    // the request log's place among the standard interceptors, recording what it would log
    builder.intercept(
        new CompletionInterceptor(System::nanoTime) {
          @Override
          protected void callCompleted(
              String method, Status status, long elapsedNanos, SpanContext span) {
            logged.add(span);
          }
        });
    List<io.grpc.ServerInterceptor> standard =
        GrpcServer.standardInterceptors(new SimpleMeterRegistry(), tracing);
    builder.intercept(standard.get(standard.size() - 1)); // the tracing one, added last
    server = builder.build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();

    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01");
    HealthGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .check(HealthCheckRequest.getDefaultInstance());

    SpanData span = exported.getFinishedSpanItems().get(0);
    assertEquals(SpanKind.SERVER, span.getKind());
    assertEquals(TRACE_ID, span.getTraceId());
    assertEquals(CALLER_SPAN, span.getParentSpanId());
    SpanContext seen = logged.poll(5, TimeUnit.SECONDS);
    assertEquals(span.getSpanContext(), seen, "the request log names the server span");
    assertEquals(
        " trace_id=" + TRACE_ID + " span_id=" + span.getSpanId(),
        RequestLoggingInterceptor.traceOf(seen));
  }

  @Test
  void standardInterceptors_areTheSameAsBeforeWhenTracingIsOff() {
    assertEquals(
        3, GrpcServer.standardInterceptors(new SimpleMeterRegistry(), Tracing.off()).size());
  }

  @Test
  void traceOf_isEmptyForACallThatIsNotTraced() {
    assertEquals("", RequestLoggingInterceptor.traceOf(SpanContext.getInvalid()));
    assertTrue(
        RequestLoggingInterceptor.traceOf(
                SpanContext.create(
                    TRACE_ID, CALLER_SPAN, TraceFlags.getSampled(), TraceState.getDefault()))
            .endsWith("span_id=" + CALLER_SPAN));
  }
}
