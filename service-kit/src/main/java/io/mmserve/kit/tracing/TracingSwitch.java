package io.mmserve.kit.tracing;

import io.mmserve.kit.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Decides from the environment whether a service traces, and turns its {@code OTEL_*} variables
 * into the OpenTelemetry SDK's autoconfigure properties.
 *
 * <p>Tracing is on when {@code OTEL_TRACES_EXPORTER} names an exporter other than {@code none}, or,
 * with {@code OTEL_TRACES_EXPORTER} unset, when {@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set; {@code OTEL_SDK_DISABLED=true} turns it off whatever
 * else is set. Everything else is off: no SDK, no exporter thread, no interceptor on any call.
 */
final class TracingSwitch {
  static final String SDK_DISABLED = "OTEL_SDK_DISABLED";
  static final String TRACES_EXPORTER = "OTEL_TRACES_EXPORTER";
  static final String OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT";
  static final String OTLP_TRACES_ENDPOINT = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
  static final String OTLP_PROTOCOL = "OTEL_EXPORTER_OTLP_PROTOCOL";
  static final String OTLP_TRACES_PROTOCOL = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";

  /**
   * The OTLP protocol mmserve sends by default: the JDK's HttpClient carries it, no gRPC sender.
   */
  static final String DEFAULT_PROTOCOL = "http/protobuf";

  private TracingSwitch() {}

  /**
   * True if the environment asks for traces.
   *
   * @throws ConfigException if {@code OTEL_SDK_DISABLED} is neither true nor false
   */
  static boolean enabled(Map<String, String> env) {
    String disabled = value(env, SDK_DISABLED);
    if (disabled != null) {
      if (disabled.equalsIgnoreCase("true")) {
        return false;
      }
      if (!disabled.equalsIgnoreCase("false")) {
        throw new ConfigException(
            SDK_DISABLED + " must be true or false, but was '" + disabled + "'");
      }
    }
    String exporter = value(env, TRACES_EXPORTER);
    if (exporter != null) {
      return !exporter.equalsIgnoreCase("none");
    }
    return value(env, OTLP_ENDPOINT) != null || value(env, OTLP_TRACES_ENDPOINT) != null;
  }

  /**
   * The autoconfigure properties of a service that traces: mmserve's defaults (the service's name,
   * the OTLP exporter over HTTP, no OpenTelemetry metrics or logs: metrics are Prometheus'), then
   * every {@code OTEL_*} variable under its property name ({@code OTEL_TRACES_SAMPLER} becomes
   * {@code otel.traces.sampler}), which wins.
   *
   * @throws ConfigException if an OTLP protocol other than HTTP is asked for
   */
  static Map<String, String> properties(String serviceName, Map<String, String> env) {
    for (String key : new String[] {OTLP_PROTOCOL, OTLP_TRACES_PROTOCOL}) {
      String protocol = value(env, key);
      if (protocol != null && !protocol.startsWith("http/")) {
        throw new ConfigException(
            key
                + " must be http/protobuf or http/json (mmserve sends OTLP over HTTP), but was '"
                + protocol
                + "'");
      }
    }
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("otel.service.name", serviceName);
    properties.put("otel.traces.exporter", "otlp");
    properties.put("otel.exporter.otlp.protocol", DEFAULT_PROTOCOL);
    properties.put("otel.metrics.exporter", "none");
    properties.put("otel.logs.exporter", "none");
    env.forEach(
        (key, value) -> {
          if (key.startsWith("OTEL_") && !value.isBlank()) {
            properties.put(key.toLowerCase(Locale.ROOT).replace('_', '.'), value.trim());
          }
        });
    return properties;
  }

  private static String value(Map<String, String> env, String key) {
    String value = env.get(key);
    return value == null || value.isBlank() ? null : value.trim();
  }
}
