package io.mmserve.kubernetes;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a test saw of one ModelRollout's status while it polled it: every analysis (by its time) and
 * every moment the controller decided a change of weight (a step's {@code stepStartedAt}, the
 * {@code lastTransitionTime} of a true Promoted or RolledBack condition), all by the controller's
 * clock (and the test's own creation of the rollout). Each decision changes the split the gateways
 * apply, and reaches them after it was made, so a decision's time is the earliest a gateway can
 * have applied its split. Used on the test's thread only.
 */
final class RolloutHistory {
  private final TreeSet<Instant> decisions = new TreeSet<>();
  private final Map<String, JsonObject> analyses = new LinkedHashMap<>();

  /** Notes a decision the test made itself (creating the rollout, before the call). */
  void decided(Instant time) {
    decisions.add(time);
  }

  /** Notes what {@code status} shows. */
  void note(JsonObject status) {
    if (status.has("stepStartedAt")) {
      decisions.add(Instant.parse(status.get("stepStartedAt").getAsString()));
    }
    if (status.has("conditions")) {
      for (JsonElement element : status.getAsJsonArray("conditions")) {
        JsonObject condition = element.getAsJsonObject();
        String type = condition.get("type").getAsString();
        if ((type.equals("Promoted") || type.equals("RolledBack"))
            && condition.get("status").getAsString().equals("True")) {
          decisions.add(Instant.parse(condition.get("lastTransitionTime").getAsString()));
        }
      }
    }
    if (status.has("lastAnalysis")) {
      JsonObject analysis = status.getAsJsonObject("lastAnalysis");
      analyses.putIfAbsent(analysis.get("time").getAsString(), analysis);
    }
  }

  /** Every decision seen, oldest first. */
  List<Instant> decisions() {
    return List.copyOf(decisions);
  }

  /** Every analysis seen, oldest first. */
  List<JsonObject> analyses() {
    return new ArrayList<>(analyses.values());
  }
}
