package io.mmserve.gallery.lucene;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VectorScoringTest {
  @Test
  void vectorApi_layerWithoutTheModule_isOff() {
    assertFalse(VectorScoring.vectorApi(ModuleLayer.empty()));
  }

  /** gallery-svc's tests run as the service does (its pom passes the flag), so exact search is. */
  @Test
  void vectorApi_thisTestJvm_isOn() {
    assertTrue(VectorScoring.vectorApi(), VectorScoring.describe(false));
  }

  @Test
  void describe_off_namesTheModuleAndTheFlag() {
    String line = VectorScoring.describe(false);
    assertTrue(line.contains("--add-modules=jdk.incubator.vector"), line);
    assertTrue(line.contains("scalar"), line);
  }
}
