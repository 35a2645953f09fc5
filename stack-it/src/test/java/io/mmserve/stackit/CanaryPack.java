package io.mmserve.stackit;

import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The bundled pack as a second version, made by {@code models/int8-version.sh} for canary tests.
 */
final class CanaryPack {
  /** The version {@code models/int8-version.sh} gives the pack it makes. */
  static final String VERSION = "1.1.0-int8";

  private CanaryPack() {}

  /**
   * Makes {@code target/FOLDER/shapes-clip-1.1.0-int8} (the script's log beside it) and returns its
   * absolute path.
   *
   * @throws AssertionError with the script's output if it fails
   */
  static Path make(String folder) throws IOException, InterruptedException {
    Path pack = Path.of("target", folder, "shapes-clip-" + VERSION).toAbsolutePath();
    Files.createDirectories(pack.getParent());
    ProcessRun.of(
            List.of(
                ReferencePack.repoRoot().resolve("models/int8-version.sh").toString(),
                pack.toString()),
            ReferencePack.repoRoot(),
            Map.of(),
            pack.getParent().resolve("int8-version.log"),
            2)
        .assertSucceeded("models/int8-version.sh");
    return pack;
  }
}
