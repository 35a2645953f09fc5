package io.mmserve.rollout;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Reads a ModelRollout object (the API server's JSON) into a {@link ModelRollout}, checking the
 * spec's rules again (the CRD's schema checks them too, but a controller must not trust an old
 * CRD), and writes a spec or a status back into the JSON. Status {@code step} is 1-based in JSON
 * (0: not started) and 0-based in {@link RolloutStatus}.
 */
public final class RolloutJson {
  private RolloutJson() {}

  /**
   * Reads {@code object}.
   *
   * @throws InvalidRolloutException naming the field, the rule and the value
   */
  public static ModelRollout read(JsonObject object) throws InvalidRolloutException {
    JsonObject metadata = object.getAsJsonObject("metadata");
    String namespace = string(metadata, "namespace").orElse("");
    String name = string(metadata, "name").orElse("");
    long generation = metadata.has("generation") ? metadata.get("generation").getAsLong() : 0;
    Optional<String> action =
        metadata.has("annotations")
            ? string(metadata.getAsJsonObject("annotations"), ModelRollout.ACTION_ANNOTATION)
            : Optional.empty();
    if (!object.has("spec") || !object.get("spec").isJsonObject()) {
      throw new InvalidRolloutException(
          "ModelRollout " + namespace + "/" + name + ": spec is missing");
    }
    RolloutSpec spec = new SpecReader(namespace + "/" + name).read(object.getAsJsonObject("spec"));
    RolloutStatus status =
        object.has("status") && object.get("status").isJsonObject()
            ? StatusJson.read(object.getAsJsonObject("status"))
            : RolloutStatus.NONE;
    return new ModelRollout(namespace, name, generation, spec, status, action);
  }

  /** Writes {@code spec} into {@code object.spec} (only the fields a spec holds). */
  public static void writeSpec(JsonObject object, RolloutSpec spec) {
    JsonObject json = object.getAsJsonObject("spec");
    json.addProperty("model", spec.model());
    json.addProperty("stableVersion", spec.stableVersion());
    if (spec.canaryVersion().isPresent()) {
      json.addProperty("canaryVersion", spec.canaryVersion().get());
    } else {
      json.remove("canaryVersion");
    }
    JsonArray steps = new JsonArray();
    spec.steps().forEach(steps::add);
    json.add("steps", steps);
    json.addProperty("stepInterval", Durations.format(spec.stepInterval()));
    json.addProperty("paused", spec.paused());
  }

  /** Removes the {@link ModelRollout#ACTION_ANNOTATION} from {@code object}. */
  public static void clearAction(JsonObject object) {
    JsonObject metadata = object.getAsJsonObject("metadata");
    if (metadata.has("annotations")) {
      metadata.getAsJsonObject("annotations").remove(ModelRollout.ACTION_ANNOTATION);
    }
  }

  /** Sets {@code object.status} to {@code status}. */
  public static void writeStatus(JsonObject object, RolloutStatus status) {
    object.add("status", StatusJson.write(status));
  }

  static Optional<String> string(JsonObject json, String field) {
    JsonElement value = json.get(field);
    return value == null || value.isJsonNull()
        ? Optional.empty()
        : Optional.of(value.getAsString());
  }

  /** Reads a spec, each rule broken reported with the object and the field. */
  private static final class SpecReader {
    private final String key;

    SpecReader(String key) {
      this.key = key;
    }

    RolloutSpec read(JsonObject spec) throws InvalidRolloutException {
      String model = required(spec, "model");
      String stable = required(spec, "stableVersion");
      Optional<String> canary = string(spec, "canaryVersion").filter(v -> !v.isEmpty());
      List<Integer> steps = steps(spec);
      Duration interval = duration(spec, "stepInterval", Optional.empty());
      if (interval.isZero()) {
        throw invalid("spec.stepInterval", "must be longer than 0", "0s");
      }
      JsonObject analysis =
          spec.has("analysis") ? spec.getAsJsonObject("analysis") : new JsonObject();
      AnalysisSpec limits =
          new AnalysisSpec(
              positive(analysis, "maxErrorRatio"),
              positive(analysis, "maxLatencyRatio"),
              probeAccuracy(analysis),
              duration(analysis, "window", Optional.of(AnalysisSpec.DEFAULT_WINDOW)),
              minRequests(analysis));
      boolean paused = spec.has("paused") && spec.get("paused").getAsBoolean();
      return new RolloutSpec(model, stable, canary, steps, interval, limits, paused);
    }

    private String required(JsonObject json, String field) throws InvalidRolloutException {
      Optional<String> value = string(json, field).filter(v -> !v.isBlank());
      if (value.isEmpty()) {
        throw invalid("spec." + field, "is required", json.get(field));
      }
      return value.get();
    }

    private List<Integer> steps(JsonObject spec) throws InvalidRolloutException {
      JsonElement raw = spec.get("steps");
      if (raw == null || !raw.isJsonArray() || raw.getAsJsonArray().isEmpty()) {
        throw invalid("spec.steps", "must list at least one percentage", raw);
      }
      List<Integer> steps = new ArrayList<>();
      for (JsonElement element : raw.getAsJsonArray()) {
        int percent = element.getAsInt();
        if (percent < 1 || percent > 100) {
          throw invalid("spec.steps", "must hold percentages in 1..100", raw);
        }
        if (!steps.isEmpty() && percent <= steps.getLast()) {
          throw invalid("spec.steps", "must be strictly ascending", raw);
        }
        steps.add(percent);
      }
      return steps;
    }

    private Duration duration(JsonObject json, String field, Optional<Duration> fallback)
        throws InvalidRolloutException {
      Optional<String> raw = string(json, field);
      if (raw.isEmpty()) {
        if (fallback.isPresent()) {
          return fallback.get();
        }
        throw invalid("spec." + field, "is required", null);
      }
      try {
        return Durations.parse(raw.get());
      } catch (IllegalArgumentException e) {
        throw invalid(path(field), "must be a duration such as 30s, 5m or 1h30m", raw.get());
      }
    }

    private double positive(JsonObject analysis, String field) throws InvalidRolloutException {
      JsonElement raw = analysis.get(field);
      if (raw == null || !raw.isJsonPrimitive() || !raw.getAsJsonPrimitive().isNumber()) {
        throw invalid("spec.analysis." + field, "is required (a number greater than 0)", raw);
      }
      double value = raw.getAsDouble();
      if (!(value > 0) || Double.isInfinite(value)) {
        throw invalid("spec.analysis." + field, "must be greater than 0", raw);
      }
      return value;
    }

    private OptionalDouble probeAccuracy(JsonObject analysis) throws InvalidRolloutException {
      JsonElement raw = analysis.get("minProbeAccuracy");
      if (raw == null || raw.isJsonNull()) {
        return OptionalDouble.empty();
      }
      double value = raw.getAsDouble();
      if (!(value > 0 && value <= 1)) {
        throw invalid("spec.analysis.minProbeAccuracy", "must be in (0, 1]", raw);
      }
      return OptionalDouble.of(value);
    }

    private long minRequests(JsonObject analysis) throws InvalidRolloutException {
      JsonElement raw = analysis.get("minRequests");
      if (raw == null || raw.isJsonNull()) {
        return AnalysisSpec.DEFAULT_MIN_REQUESTS;
      }
      long value = raw.getAsLong();
      if (value < 1) {
        throw invalid("spec.analysis.minRequests", "must be at least 1", raw);
      }
      return value;
    }

    private static String path(String field) {
      return field.equals("window") ? "spec.analysis.window" : "spec." + field;
    }

    private InvalidRolloutException invalid(String field, String rule, Object value) {
      return new InvalidRolloutException(
          "ModelRollout " + key + ": " + field + " " + rule + ", but was " + value);
    }
  }

  /** The status's JSON, both ways. */
  private static final class StatusJson {
    static RolloutStatus read(JsonObject json) {
      RolloutPhase phase = string(json, "phase").map(StatusJson::phase).orElse(RolloutPhase.Stable);
      Optional<AnalysisResult> analysis =
          json.has("lastAnalysis")
              ? Optional.of(analysis(json.getAsJsonObject("lastAnalysis")))
              : Optional.empty();
      List<Condition> conditions = new ArrayList<>();
      if (json.has("conditions")) {
        for (JsonElement element : json.getAsJsonArray("conditions")) {
          JsonObject c = element.getAsJsonObject();
          conditions.add(
              new Condition(
                  string(c, "type").orElse(""),
                  string(c, "status").orElse("Unknown"),
                  string(c, "reason").orElse(""),
                  string(c, "message").orElse(""),
                  string(c, "lastTransitionTime").map(Instant::parse).orElse(Instant.EPOCH)));
        }
      }
      return new RolloutStatus(
          phase,
          string(json, "canaryVersion"),
          json.has("canaryWeight") ? json.get("canaryWeight").getAsInt() : 0,
          (json.has("step") ? json.get("step").getAsInt() : 0) - 1,
          string(json, "stepStartedAt").map(StatusJson::instant),
          analysis,
          conditions,
          json.has("observedGeneration") ? json.get("observedGeneration").getAsLong() : 0);
    }

    private static RolloutPhase phase(String text) {
      try {
        return RolloutPhase.valueOf(text);
      } catch (IllegalArgumentException e) {
        return RolloutPhase.Stable;
      }
    }

    private static Instant instant(String text) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        return Instant.EPOCH;
      }
    }

    private static AnalysisResult analysis(JsonObject json) {
      return new AnalysisResult(
          string(json, "time").map(StatusJson::instant).orElse(Instant.EPOCH),
          string(json, "verdict")
              .map(AnalysisResult.Verdict::valueOf)
              .orElse(AnalysisResult.Verdict.Inconclusive),
          string(json, "message").orElse(""),
          string(json, "failedMetric").orElse(""),
          number(json, "canaryRequests").orElse(0),
          number(json, "stableRequests").orElse(0),
          number(json, "canaryErrorRatio"),
          number(json, "canaryP99Seconds"),
          number(json, "stableP99Seconds"),
          number(json, "latencyRatio"),
          number(json, "probeAccuracy"),
          number(json, "minProbeAccuracy"));
    }

    static JsonObject write(RolloutStatus status) {
      JsonObject json = new JsonObject();
      json.addProperty("phase", status.phase().name());
      status.canaryVersion().ifPresent(v -> json.addProperty("canaryVersion", v));
      json.addProperty("canaryWeight", status.canaryWeight());
      json.addProperty("step", status.step() + 1);
      status.stepStartedAt().ifPresent(t -> json.addProperty("stepStartedAt", t.toString()));
      json.addProperty("observedGeneration", status.observedGeneration());
      status.lastAnalysis().ifPresent(a -> json.add("lastAnalysis", analysis(a)));
      JsonArray conditions = new JsonArray();
      for (Condition c : status.conditions()) {
        JsonObject condition = new JsonObject();
        condition.addProperty("type", c.type());
        condition.addProperty("status", c.status());
        condition.addProperty("reason", c.reason());
        condition.addProperty("message", c.message());
        condition.addProperty("lastTransitionTime", c.lastTransitionTime().toString());
        conditions.add(condition);
      }
      json.add("conditions", conditions);
      return json;
    }

    private static JsonObject analysis(AnalysisResult a) {
      JsonObject json = new JsonObject();
      json.addProperty("time", a.time().toString());
      json.addProperty("verdict", a.verdict().name());
      json.addProperty("message", a.message());
      if (!a.failedMetric().isEmpty()) {
        json.addProperty("failedMetric", a.failedMetric());
      }
      json.addProperty("canaryRequests", a.canaryRequests());
      json.addProperty("stableRequests", a.stableRequests());
      put(json, "canaryErrorRatio", a.canaryErrorRatio());
      put(json, "canaryP99Seconds", a.canaryP99Seconds());
      put(json, "stableP99Seconds", a.stableP99Seconds());
      put(json, "latencyRatio", a.latencyRatio());
      put(json, "probeAccuracy", a.probeAccuracy());
      put(json, "minProbeAccuracy", a.minProbeAccuracy());
      return json;
    }

    private static void put(JsonObject json, String field, OptionalDouble value) {
      if (value.isPresent() && Double.isFinite(value.getAsDouble())) {
        json.add(field, new JsonPrimitive(value.getAsDouble()));
      }
    }

    private static OptionalDouble number(JsonObject json, String field) {
      JsonElement value = json.get(field);
      return value == null || value.isJsonNull()
          ? OptionalDouble.empty()
          : OptionalDouble.of(value.getAsDouble());
    }
  }
}
