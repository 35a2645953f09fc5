package io.mmserve.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RolloutJsonTest {
  private static JsonObject object(String spec) {
    return JsonParser.parseString(
            "{\"metadata\":{\"namespace\":\"ns\",\"name\":\"r\",\"generation\":2,"
                + "\"annotations\":{\"mmserve.io/rollout-action\":\"abort\"}},\"spec\":"
                + spec
                + "}")
        .getAsJsonObject();
  }

  private static final String GOOD =
      "{\"model\":\"m\",\"stableVersion\":\"1\",\"canaryVersion\":\"2\",\"steps\":[5,25,100],"
          + "\"stepInterval\":\"1m30s\",\"analysis\":{\"maxErrorRatio\":0.01,\"maxLatencyRatio\":1.5}}";

  @Test
  void readsASpecWithDefaults() throws Exception {
    ModelRollout r = RolloutJson.read(object(GOOD));
    assertEquals("ns/r", r.key());
    assertEquals(2, r.generation());
    assertEquals(Optional.of("abort"), r.action());
    assertEquals(List.of(5, 25, 100), r.spec().steps());
    assertEquals(Duration.ofSeconds(90), r.spec().stepInterval());
    assertEquals(AnalysisSpec.DEFAULT_WINDOW, r.spec().analysis().window());
    assertEquals(AnalysisSpec.DEFAULT_MIN_REQUESTS, r.spec().analysis().minRequests());
    assertEquals(RolloutStatus.NONE, r.status());
  }

  @Test
  void rejectsBrokenRulesNamingTheFieldAndValue() {
    assertEquals(
        "ModelRollout ns/r: spec.steps must be strictly ascending, but was [5,50,25]",
        assertThrows(
                InvalidRolloutException.class,
                () -> RolloutJson.read(object(GOOD.replace("[5,25,100]", "[5,50,25]"))))
            .getMessage());
    assertEquals(
        "ModelRollout ns/r: spec.steps must hold percentages in 1..100, but was [5,101]",
        assertThrows(
                InvalidRolloutException.class,
                () -> RolloutJson.read(object(GOOD.replace("[5,25,100]", "[5,101]"))))
            .getMessage());
    assertEquals(
        "ModelRollout ns/r: spec.analysis.maxErrorRatio must be greater than 0, but was 0",
        assertThrows(
                InvalidRolloutException.class,
                () -> RolloutJson.read(object(GOOD.replace("0.01", "0"))))
            .getMessage());
    assertEquals(
        "ModelRollout ns/r: spec.stepInterval must be a duration such as 30s, 5m or 1h30m,"
            + " but was soon",
        assertThrows(
                InvalidRolloutException.class,
                () -> RolloutJson.read(object(GOOD.replace("1m30s", "soon"))))
            .getMessage());
  }

  @Test
  void aWrittenStatusReadsBackTheSame() throws Exception {
    JsonObject json = object(GOOD);
    Instant now = Instant.parse("2026-12-05T12:00:00Z");
    RolloutStatus status =
        new RolloutStatus(
            RolloutPhase.Progressing,
            Optional.of("2"),
            25,
            1,
            Optional.of(now),
            Optional.empty(),
            List.of(Condition.of(Condition.PROGRESSING, true, "StepStarted", "step 2/3", now)),
            2);
    RolloutJson.writeStatus(json, status);
    assertEquals(2, json.getAsJsonObject("status").get("step").getAsInt());
    assertEquals(status, RolloutJson.read(json).status());
  }
}
