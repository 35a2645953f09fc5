package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbedOptionsTest {

  @Test
  void parse_defaultsToLocalGatewayReadableOutputAndDefaultModel() {
    EmbedOptions options = EmbedOptions.parse(List.of("a red circle"), Map.of(), "text");

    assertEquals(List.of("a red circle"), options.inputs());
    assertEquals("127.0.0.1:50051", options.target());
    assertEquals("", options.model());
    assertFalse(options.json());
    assertFalse(options.skipNormalization());
    assertEquals(Duration.ofSeconds(30), options.timeout());
  }

  @Test
  void parse_readsEveryOption() {
    EmbedOptions options =
        EmbedOptions.parse(
            List.of(
                "a",
                "--json",
                "--target",
                "h:9",
                "--model=shapes-clip",
                "b",
                "--skip-normalization",
                "--timeout",
                "2s"),
            Map.of(),
            "text");

    assertEquals(List.of("a", "b"), options.inputs());
    assertTrue(options.json());
    assertEquals("h:9", options.target());
    assertEquals("shapes-clip", options.model());
    assertTrue(options.skipNormalization());
    assertEquals(Duration.ofSeconds(2), options.timeout());
  }

  @Test
  void parse_takesTargetFromEnvironmentUnlessFlagGiven() {
    Map<String, String> env = Map.of(EmbedOptions.TARGET_ENV, "env:1");

    assertEquals("env:1", EmbedOptions.parse(List.of("x"), env, "text").target());
    assertEquals(
        "flag:2", EmbedOptions.parse(List.of("x", "--target=flag:2"), env, "text").target());
  }

  @Test
  void parse_withoutInputs_isUsageErrorNamingWhatIsMissing() {
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> EmbedOptions.parse(List.of("--json"), Map.of(), "image file"));

    assertEquals("give at least one image file", e.getMessage());
  }
}
