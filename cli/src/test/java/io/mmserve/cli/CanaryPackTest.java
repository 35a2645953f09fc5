package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code up --canary DIR --canary-weight N}: the packs checked, both served, the gateway split. */
class CanaryPackTest {
  @TempDir Path home;

  private Path pack(String folder, String name, String version) throws IOException {
    Path dir = Files.createDirectories(home.resolve(folder));
    Files.writeString(
        dir.resolve("model.json"),
        "{\"format_version\": 1, \"name\": \"" + name + "\", \"version\": \"" + version + "\"}");
    return dir;
  }

  private List<ServiceSpec> services(String... args) {
    return StackPlan.services(UpOptions.parse(List.of(args), home), home, "/jdk/bin/java");
  }

  @Test
  void canary_encodersAndFusionLoadBothPacks_andTheGatewaySplitsByTheWeight() throws IOException {
    Path stable = pack("models/shapes-clip", "shapes-clip", "1.0.0");
    Path canary = pack("int8", "shapes-clip", "1.1.0-int8");

    List<ServiceSpec> services = services("--canary", canary.toString(), "--canary-weight", "25");

    String packs = "--model.packs=" + stable + "," + canary;
    for (String name : List.of("text-encoder-svc", "vision-encoder-svc", "fusion-svc")) {
      ServiceSpec spec = services.stream().filter(s -> s.name().equals(name)).findFirst().get();
      assertTrue(spec.command().contains(packs), name + ": " + spec.command());
    }
    List<String> gateway = services.getLast().command();
    assertTrue(
        gateway.containsAll(
            List.of(
                "--canary.model=shapes-clip",
                "--canary.stable-version=1.0.0",
                "--canary.version=1.1.0-int8",
                "--canary.weight=25")),
        gateway.toString());
  }

  @Test
  void withoutCanary_nothingChanges() throws IOException {
    Path stable = pack("models/shapes-clip", "shapes-clip", "1.0.0");

    List<ServiceSpec> services = services();

    assertTrue(services.getFirst().command().contains("--model.packs=" + stable));
    assertTrue(services.getLast().command().stream().noneMatch(f -> f.startsWith("--canary")));
  }

  @Test
  void badCanaries_areRefusedNamingTheRule() throws IOException {
    pack("models/shapes-clip", "shapes-clip", "1.0.0");
    Path other = pack("other", "other-model", "2.0.0");
    Path same = pack("same", "shapes-clip", "1.0.0");

    assertTrue(
        assertThrows(UsageException.class, () -> services("--canary", other.toString()))
            .getMessage()
            .contains("is model other-model"));
    assertTrue(
        assertThrows(UsageException.class, () -> services("--canary", same.toString()))
            .getMessage()
            .contains("is version 1.0.0 like --model-pack"));
    assertTrue(
        assertThrows(
                UsageException.class,
                () -> services("--canary", home.resolve("missing").toString()))
            .getMessage()
            .startsWith("--canary must name a model pack folder"));
    assertEquals(
        "--canary-weight is the share of --canary's version; add --canary",
        assertThrows(UsageException.class, () -> services("--canary-weight", "10")).getMessage());
  }
}
