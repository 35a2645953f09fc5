package io.mmserve.kit.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.config.ConfigException;
import io.opentelemetry.api.trace.Span;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingTest {
  @Test
  void fromEnvironment_isOffWithoutOtelVariables() {
    Tracing tracing = Tracing.fromEnvironment("gateway", Map.of("PATH", "/usr/bin"));

    assertFalse(tracing.enabled());
    assertTrue(tracing.serverInterceptors().isEmpty(), "no interceptor on any call");
    assertTrue(tracing.clientInterceptors().isEmpty());
    Span span = tracing.tracer().spanBuilder("work").startSpan();
    assertFalse(span.isRecording(), "spans are not recorded");
    assertFalse(span.getSpanContext().isValid(), "and have no trace id to log or send");
    span.end();
  }

  @Test
  void fromEnvironment_isOffWhenTheExporterIsNone() {
    Tracing tracing =
        Tracing.fromEnvironment(
            "gateway",
            Map.of(
                "OTEL_TRACES_EXPORTER", "none",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"));

    assertFalse(tracing.enabled());
  }

  @Test
  void fromEnvironment_isOffWhenTheSdkIsDisabled() {
    Tracing tracing =
        Tracing.fromEnvironment(
            "gateway",
            Map.of(
                "OTEL_SDK_DISABLED", "true",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"));

    assertFalse(tracing.enabled());
  }

  @Test
  void fromEnvironment_isOnWithAnOtlpEndpoint() {
    try (Tracing tracing =
        Tracing.fromEnvironment(
            "gateway", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"))) {
      assertTrue(tracing.enabled());
      assertEquals(1, tracing.serverInterceptors().size());
      assertEquals(1, tracing.clientInterceptors().size());
      Span span = tracing.tracer().spanBuilder("work").startSpan();
      assertTrue(span.isRecording());
      span.end();
    }
  }

  @Test
  void fromEnvironment_honoursTheSampler() {
    try (Tracing tracing =
        Tracing.fromEnvironment(
            "gateway",
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318",
                "OTEL_TRACES_SAMPLER", "always_off"))) {
      Span span = tracing.tracer().spanBuilder("work").startSpan();
      assertFalse(span.isRecording(), "always_off samples nothing");
      span.end();
    }
  }

  @Test
  void fromEnvironment_refusesABadSdkDisabledValue() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> Tracing.fromEnvironment("gateway", Map.of("OTEL_SDK_DISABLED", "yes")));

    assertEquals("OTEL_SDK_DISABLED must be true or false, but was 'yes'", e.getMessage());
  }

  @Test
  void fromEnvironment_refusesOtlpOverGrpc() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                Tracing.fromEnvironment(
                    "gateway",
                    Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317",
                        "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")));

    assertEquals(
        "OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (mmserve sends OTLP over"
            + " HTTP), but was 'grpc'",
        e.getMessage());
  }

  @Test
  void fromEnvironment_namesTheVariableOfABadSampler() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                Tracing.fromEnvironment(
                    "gateway",
                    Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318",
                        "OTEL_TRACES_SAMPLER", "sometimes")));

    assertTrue(e.getMessage().contains("sometimes"), e.getMessage());
  }
}
