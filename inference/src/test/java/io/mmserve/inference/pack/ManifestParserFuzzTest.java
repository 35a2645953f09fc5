package io.mmserve.inference.pack;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the model-pack manifest parser: any text is either a manifest with at least one side, or
 * refused with {@link ModelPackException} naming the field; never another exception, never a hang.
 *
 * <p>Regression inputs: {@code ManifestParserFuzzTestInputs/parse/} in the test resources.
 */
class ManifestParserFuzzTest {
  private static final Path PACK_DIR = Path.of("/packs/fuzz");

  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void parse(byte[] modelJson) {
    ModelManifest manifest;
    try {
      manifest = ManifestParser.parse(new String(modelJson, StandardCharsets.UTF_8), PACK_DIR);
    } catch (ModelPackException e) {
      return;
    }
    assertFalse(manifest.text().isEmpty() && manifest.vision().isEmpty(), "a side is required");
  }
}
