package io.mmserve.stackit;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One span as the collector's file exporter wrote it (OTLP JSON: hex ids, numeric kind), flattened
 * with the {@code service.name} of its resource.
 *
 * @param kind 1 internal, 2 server, 3 client (OTLP's SpanKind)
 * @param attributes string and integer attributes, as strings
 * @param links the span ids of its links
 */
record ExportedSpan(
    String service,
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    int kind,
    Map<String, String> attributes,
    List<String> links) {
  static final int SERVER = 2;
  static final int CLIENT = 3;

  /** The spans of the exporter's lines, in order. */
  static List<ExportedSpan> parse(List<String> lines) {
    List<ExportedSpan> spans = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      for (JsonElement rs :
          JsonParser.parseString(line).getAsJsonObject().getAsJsonArray("resourceSpans")) {
        String service =
            attributes(rs.getAsJsonObject().getAsJsonObject("resource")).get("service.name");
        for (JsonElement ss : array(rs.getAsJsonObject(), "scopeSpans")) {
          for (JsonElement s : array(ss.getAsJsonObject(), "spans")) {
            spans.add(of(service, s.getAsJsonObject()));
          }
        }
      }
    }
    return spans;
  }

  private static ExportedSpan of(String service, JsonObject span) {
    List<String> links = new ArrayList<>();
    for (JsonElement link : array(span, "links")) {
      links.add(link.getAsJsonObject().get("spanId").getAsString());
    }
    return new ExportedSpan(
        service,
        span.get("traceId").getAsString(),
        span.get("spanId").getAsString(),
        span.has("parentSpanId") ? span.get("parentSpanId").getAsString() : "",
        span.get("name").getAsString(),
        span.has("kind") ? span.get("kind").getAsInt() : 0,
        attributes(span),
        links);
  }

  private static Map<String, String> attributes(JsonObject owner) {
    Map<String, String> out = new HashMap<>();
    if (owner == null) {
      return out;
    }
    for (JsonElement a : array(owner, "attributes")) {
      JsonObject value = a.getAsJsonObject().getAsJsonObject("value");
      String text =
          value.has("stringValue")
              ? value.get("stringValue").getAsString()
              : value.has("intValue") ? value.get("intValue").getAsString() : value.toString();
      out.put(a.getAsJsonObject().get("key").getAsString(), text);
    }
    return out;
  }

  private static JsonArray array(JsonObject owner, String name) {
    return owner.has(name) ? owner.getAsJsonArray(name) : new JsonArray();
  }

  @Override
  public String toString() {
    return service + " " + name + " kind=" + kind + " span=" + spanId + " parent=" + parentSpanId;
  }
}
