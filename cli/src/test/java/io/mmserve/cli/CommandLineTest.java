package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandLineTest {
  private static final Set<String> VALUES = Set.of("--target", "--timeout", "--port");
  private static final Set<String> FLAGS = Set.of("--json");

  private static CommandLine parse(String... args) {
    return CommandLine.parse(List.of(args), VALUES, FLAGS);
  }

  @Test
  void parse_readsValuesInBothFormsFlagsAndPositionalsInAnyOrder() {
    CommandLine line = parse("a", "--target", "h:1", "b", "--json", "--timeout=5s", "c");

    assertEquals(List.of("a", "b", "c"), line.positionals());
    assertEquals(Optional.of("h:1"), line.value("--target"));
    assertEquals(Optional.of("5s"), line.value("--timeout"));
    assertTrue(line.flag("--json"));
  }

  @Test
  void parse_repeatedOption_valueIsTheLastAndValuesAreAllInOrder() {
    CommandLine line = parse("--port", "1", "--port=2", "--port", "3");

    assertEquals(Optional.of("3"), line.value("--port"));
    assertEquals(List.of("1", "2", "3"), line.values("--port"));
  }

  @Test
  void values_ofAnUnsetOptionIsEmpty() {
    assertEquals(List.of(), parse("--json").values("--port"));
  }

  @Test
  void parse_doubleDashEndsOptions() {
    CommandLine line = parse("--json", "--", "--target", "-x");

    assertEquals(List.of("--target", "-x"), line.positionals());
    assertEquals(Optional.empty(), line.value("--target"));
  }

  @Test
  void parse_keepsSingleDashArgumentsAsPositionals() {
    assertEquals(List.of("-", "-3"), parse("-", "-3").positionals());
  }

  @Test
  void parse_unsetFlagIsFalse() {
    assertFalse(parse("x").flag("--json"));
  }

  @Test
  void parse_rejectsUnknownOption() {
    UsageException e = assertThrows(UsageException.class, () -> parse("--jsn"));

    assertEquals("unknown option --jsn", e.getMessage());
  }

  @Test
  void parse_rejectsValueOptionAtTheEndWithoutValue() {
    UsageException e = assertThrows(UsageException.class, () -> parse("x", "--target"));

    assertEquals("--target needs a value", e.getMessage());
  }

  @Test
  void parse_rejectsValueGivenToFlag() {
    assertThrows(UsageException.class, () -> parse("--json=yes"));
  }

  @Test
  void intValue_readsInRangeAndFallsBackWhenUnset() {
    assertEquals(7, parse("--port", "7").intValue("--port", 1, 1, 10));
    assertEquals(1, parse().intValue("--port", 1, 1, 10));
  }

  @Test
  void intValue_rejectsOutOfRangeShowingTheValue() {
    UsageException e =
        assertThrows(
            UsageException.class, () -> parse("--port=70000").intValue("--port", 1, 1, 65535));

    assertEquals("--port must be in 1..65535, but was 70000", e.getMessage());
  }

  @Test
  void intValue_rejectsNonNumbers() {
    assertThrows(UsageException.class, () -> parse("--port=abc").intValue("--port", 1, 1, 10));
  }

  @Test
  void durationValue_readsMillisSecondsAndMinutes() {
    assertEquals(Duration.ofMillis(250), parse("--timeout=250ms").durationValue("--timeout", null));
    assertEquals(Duration.ofSeconds(5), parse("--timeout=5s").durationValue("--timeout", null));
    assertEquals(Duration.ofMinutes(2), parse("--timeout=2m").durationValue("--timeout", null));
  }

  @Test
  void durationValue_rejectsZeroAndUnitlessValues() {
    assertThrows(
        UsageException.class, () -> parse("--timeout=0s").durationValue("--timeout", null));
    assertThrows(
        UsageException.class, () -> parse("--timeout=30").durationValue("--timeout", null));
  }
}
