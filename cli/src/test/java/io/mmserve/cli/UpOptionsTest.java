package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpOptionsTest {
  private static final Path HOME = Path.of("/opt/mmserve");

  @Test
  void parse_defaultsToBundledPackAndDesignPorts() {
    UpOptions options = UpOptions.parse(List.of(), HOME);

    assertEquals(Path.of("/opt/mmserve/models/shapes-clip"), options.modelPack());
    assertFalse(options.int8());
    assertEquals(50051, options.basePort());
    assertEquals(9091, options.adminBasePort());
    assertEquals(Duration.ofMinutes(3), options.startupTimeout());
    assertEquals(Duration.ofSeconds(20), options.stopGrace());
  }

  @Test
  void parse_readsEveryOption() {
    UpOptions options =
        UpOptions.parse(
            List.of(
                "--model-pack",
                "/packs/clip",
                "--int8",
                "--base-port=51051",
                "--admin-base-port",
                "19091",
                "--startup-timeout",
                "90s",
                "--stop-grace=5s"),
            HOME);

    assertEquals(Path.of("/packs/clip"), options.modelPack());
    assertTrue(options.int8());
    assertEquals(51051, options.basePort());
    assertEquals(19091, options.adminBasePort());
    assertEquals(Duration.ofSeconds(90), options.startupTimeout());
    assertEquals(Duration.ofSeconds(5), options.stopGrace());
  }

  @Test
  void parse_acceptsOneReplica() {
    assertEquals(50051, UpOptions.parse(List.of("--replicas", "1"), HOME).basePort());
  }

  @Test
  void parse_rejectsMoreReplicasSayingTheyArriveLater() {
    UsageException e =
        assertThrows(UsageException.class, () -> UpOptions.parse(List.of("--replicas=3"), HOME));

    assertTrue(e.getMessage().startsWith("--replicas: this release runs one replica"));
  }

  @Test
  void parse_rejectsPositionalArguments() {
    assertThrows(UsageException.class, () -> UpOptions.parse(List.of("now"), HOME));
  }

  @Test
  void parse_rejectsPrivilegedBasePort() {
    assertThrows(UsageException.class, () -> UpOptions.parse(List.of("--base-port=80"), HOME));
  }
}
