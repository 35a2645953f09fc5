package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class RolloutStatusFormatTest {
  @Test
  void printsSpecStatusAnalysisAndConditions() {
    String json =
        """
        {"metadata": {"namespace": "prod", "name": "clip"},
         "spec": {"model": "clip", "stableVersion": "1", "canaryVersion": "2",
                  "steps": [5, 25, 100], "stepInterval": "5m"},
         "status": {"phase": "RolledBack", "canaryWeight": 0, "step": 2,
                    "lastAnalysis": {"time": "2026-12-05T12:00:00Z", "verdict": "Fail",
                                     "message": "errorRatio 0.3000 is above the maximum 0.01"},
                    "conditions": [{"type": "RolledBack", "status": "True",
                                    "reason": "ErrorRatioTooHigh", "message": "rolled back"}]}}
        """;
    assertEquals(
        """
        ModelRollout prod/clip
          model      clip
          stable     1
          canary     2 at 0% of requests
          phase      RolledBack, step 2/3 (5%, 25%, 100%; each at least 5m)
          paused     no
          analysis   Fail at 2026-12-05T12:00:00Z: errorRatio 0.3000 is above the maximum 0.01
          condition  RolledBack=True ErrorRatioTooHigh: rolled back
        """,
        RolloutStatusFormat.format(JsonParser.parseString(json).getAsJsonObject()));
  }
}
