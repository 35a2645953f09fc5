package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.ShapePictures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One Classify call through the whole local stack, traced into a real OpenTelemetry Collector
 * (observability/otelcol, OTLP over HTTP, spans written as JSON lines): the caller's {@code
 * traceparent} is honoured and passed on every hop, and the spans of the gateway, the encoders and
 * fusion-svc form one trace, each hop's server span the child of its caller's client span.
 */
class TraceIT {
  /** The caller's trace: W3C {@code traceparent}, sampled. */
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

  private static final String CALLER_SPAN_ID = "00f067aa0ba902b7";
  private static final Duration EXPORT_WAIT = Duration.ofMinutes(1);

  @TempDir static Path dir;
  private static OtelCollector collector;
  private static LocalStackProcess stack;

  @BeforeAll
  static void startCollectorAndStack() throws Exception {
    collector = OtelCollector.start(dir);
    Map<String, String> environment =
        Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(),
            "OTEL_TRACES_SAMPLER", "parentbased_always_on",
            // export within a fraction of a second of a span's end
            "OTEL_BSP_SCHEDULE_DELAY", "100");
    stack = LocalStackProcess.start(dir, List.of(), environment);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (stack != null) {
        stack.close();
      }
    } finally {
      if (collector != null) {
        collector.close();
      }
    }
  }

  @Test
  void classify_isOneTraceAcrossGatewayEncodersAndFusion() throws Exception {
    classify();
    List<ExportedSpan> trace = awaitTrace();

    ExportedSpan publicCall = only(trace, server("gateway", "mmserve.v1.Multimodal/Classify"));
    assertEquals(CALLER_SPAN_ID, publicCall.parentSpanId(), "the caller's span is the parent");

    ExportedSpan vision =
        hop(trace, "vision-encoder-svc", "mmserve.encoder.v1.VisionEncoder/EncodeImage");
    ExportedSpan text = hop(trace, "text-encoder-svc", "mmserve.encoder.v1.TextEncoder/EncodeText");
    hop(trace, "fusion-svc", "mmserve.fusion.v1.Fusion/ClassifyEmbeddings");

    // the image batch the call joined: its queue span, and the batch's span linked to it
    ExportedSpan queue =
        only(
            trace,
            s ->
                s.name().equals("gateway batch queue")
                    && s.attributes().get("mmserve.batcher").equals("vision-encoder-svc"));
    assertEquals(publicCall.spanId(), queue.parentSpanId(), "queueing is part of the public call");
    ExportedSpan batch =
        only(
            trace,
            s ->
                s.name().equals("gateway batch")
                    && s.attributes().get("mmserve.batcher").equals("vision-encoder-svc"));
    assertEquals(
        queue.attributes().get("mmserve.batch.id"), batch.attributes().get("mmserve.batch.id"));
    assertEquals("1", batch.attributes().get("mmserve.batch.size"));
    assertEquals("1", queue.attributes().get("mmserve.batch.size"));
    assertEquals(List.of(queue.spanId()), batch.links(), "the batch links to each caller's span");
    assertEquals(publicCall.spanId(), batch.parentSpanId(), "a batch is its first caller's child");
    ExportedSpan visionClient = parentOf(trace, vision);
    assertEquals(batch.spanId(), visionClient.parentSpanId(), "the encoder call is the batch's");

    // inside vision-encoder-svc: preprocessing and the model call under the server span
    ExportedSpan preprocess = only(trace, s -> s.name().equals("vision-encoder preprocess"));
    assertEquals(vision.spanId(), preprocess.parentSpanId());
    ExportedSpan model = only(trace, s -> s.name().equals("vision-encoder model"));
    assertEquals(vision.spanId(), model.parentSpanId());
    assertEquals(List.of(vision.spanId()), model.links());
    // the text encoder may run one request's texts in more than one model call (texts of different
    // lengths run at different sequence buckets): each is under its server span
    List<ExportedSpan> textModels =
        trace.stream().filter(s -> s.name().equals("text-encoder model")).toList();
    assertFalse(textModels.isEmpty(), "a text-encoder model span in " + trace);
    for (ExportedSpan textModel : textModels) {
      assertEquals(text.spanId(), textModel.parentSpanId(), textModel.toString());
    }
    assertEquals(1, trace.stream().filter(s -> s.name().equals("fusion classify")).count());
  }

  private static void classify() throws InterruptedException {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-" + TRACE_ID + "-" + CALLER_SPAN_ID + "-01");
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(stack.gatewayTarget()).usePlaintext().build();
    try {
      ClassifyResponse answer =
          MultimodalGrpc.newBlockingStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .classify(
                  ClassifyRequest.newBuilder()
                      .addImages(
                          Image.newBuilder()
                              .setEncoded(ByteString.copyFrom(ShapePictures.png("red", "circle"))))
                      .addLabels("red circle")
                      .addLabels("blue square")
                      .setRequestId("trace-it")
                      .build());
      assertEquals(1, answer.getClassificationsCount());
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Polls the exported file until the call's trace holds the server spans of all four services and
   * the fusion span (the last to end); no span of the call may be in another trace.
   */
  private static List<ExportedSpan> awaitTrace() throws Exception {
    long deadline = System.nanoTime() + EXPORT_WAIT.toNanos();
    while (true) {
      List<ExportedSpan> all = ExportedSpan.parse(collector.lines());
      List<ExportedSpan> trace = all.stream().filter(s -> s.traceId().equals(TRACE_ID)).toList();
      boolean complete =
          trace.stream().anyMatch(server("gateway", "mmserve.v1.Multimodal/Classify"))
              && trace.stream().anyMatch(s -> s.service().equals("vision-encoder-svc"))
              && trace.stream().anyMatch(s -> s.service().equals("text-encoder-svc"))
              && trace.stream().anyMatch(s -> s.service().equals("fusion-svc"));
      if (complete) {
        List<ExportedSpan> strays =
            all.stream()
                .filter(s -> !s.traceId().equals(TRACE_ID))
                .filter(s -> !s.name().startsWith("grpc.health.v1."))
                .toList();
        assertTrue(strays.isEmpty(), "spans of the call in another trace: " + strays);
        return trace;
      }
      if (System.nanoTime() > deadline) {
        fail(
            "no complete trace "
                + TRACE_ID
                + " after "
                + EXPORT_WAIT
                + "; spans: "
                + all
                + "\ncollector log:\n"
                + collector.log()
                + "\nstack output:\n"
                + stack.output());
      }
      Thread.sleep(200);
    }
  }

  /** A backend's server span, checked to be the child of the gateway's client span of the call. */
  private static ExportedSpan hop(List<ExportedSpan> trace, String service, String method) {
    ExportedSpan server = only(trace, server(service, method));
    ExportedSpan client = parentOf(trace, server);
    assertEquals("gateway", client.service(), server + " is called by the gateway");
    assertEquals(ExportedSpan.CLIENT, client.kind(), server + "'s parent is a client span");
    assertEquals(method, client.name());
    return server;
  }

  private static ExportedSpan parentOf(List<ExportedSpan> trace, ExportedSpan child) {
    assertFalse(child.parentSpanId().isEmpty(), child + " has a parent");
    return only(trace, s -> s.spanId().equals(child.parentSpanId()));
  }

  private static Predicate<ExportedSpan> server(String service, String method) {
    return s ->
        s.service().equals(service) && s.kind() == ExportedSpan.SERVER && s.name().equals(method);
  }

  private static ExportedSpan only(List<ExportedSpan> spans, Predicate<ExportedSpan> which) {
    List<ExportedSpan> found = spans.stream().filter(which).toList();
    assertEquals(1, found.size(), "exactly one such span in " + spans + ": " + found);
    return found.get(0);
  }
}
