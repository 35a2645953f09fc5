package io.mmserve.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** A ModelRollout's spec and status as the lines {@code mmserve rollout status} prints. */
final class RolloutStatusFormat {
  private RolloutStatusFormat() {}

  static String format(JsonObject object) {
    JsonObject metadata = object.getAsJsonObject("metadata");
    JsonObject spec = object.getAsJsonObject("spec");
    JsonObject status = object.has("status") ? object.getAsJsonObject("status") : new JsonObject();
    StringBuilder text = new StringBuilder();
    text.append("ModelRollout ")
        .append(string(metadata, "namespace"))
        .append('/')
        .append(string(metadata, "name"))
        .append('\n');
    line(text, "model", string(spec, "model"));
    line(text, "stable", string(spec, "stableVersion"));
    String canary = string(spec, "canaryVersion");
    line(
        text,
        "canary",
        canary.isEmpty()
            ? "(none)"
            : canary + " at " + number(status, "canaryWeight", "0") + "% of requests");
    List<String> steps = new ArrayList<>();
    if (spec.has("steps")) {
      spec.getAsJsonArray("steps").forEach(s -> steps.add(s.getAsString() + "%"));
    }
    String phase = status.has("phase") ? string(status, "phase") : "(not reconciled yet)";
    line(
        text,
        "phase",
        phase
            + ", step "
            + number(status, "step", "0")
            + "/"
            + steps.size()
            + " ("
            + String.join(", ", steps)
            + "; each at least "
            + string(spec, "stepInterval")
            + ")");
    boolean paused = spec.has("paused") && spec.get("paused").getAsBoolean();
    line(text, "paused", paused ? "yes" : "no");
    if (status.has("lastAnalysis")) {
      JsonObject analysis = status.getAsJsonObject("lastAnalysis");
      line(
          text,
          "analysis",
          string(analysis, "verdict")
              + " at "
              + string(analysis, "time")
              + ": "
              + string(analysis, "message"));
    }
    if (status.has("conditions")) {
      for (JsonElement element : status.getAsJsonArray("conditions")) {
        JsonObject c = element.getAsJsonObject();
        line(
            text,
            "condition",
            string(c, "type")
                + "="
                + string(c, "status")
                + " "
                + string(c, "reason")
                + ": "
                + string(c, "message"));
      }
    }
    return text.toString();
  }

  private static void line(StringBuilder text, String label, String value) {
    text.append("  ").append(String.format("%-10s", label)).append(' ').append(value).append('\n');
  }

  private static String string(JsonObject json, String field) {
    JsonElement value = json.get(field);
    return value == null || value.isJsonNull() ? "" : value.getAsString();
  }

  private static String number(JsonObject json, String field, String fallback) {
    JsonElement value = json.get(field);
    return value == null || value.isJsonNull() ? fallback : value.getAsString();
  }
}
