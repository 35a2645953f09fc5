package io.mmserve.gallery.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FilterParserTest {
  @Test
  void parse_blank_isNoFilter() {
    assertEquals(MetadataFilter.NONE, FilterParser.parse("  "));
  }

  @Test
  void parse_equalityAndSetMembership_joinedByAnd() {
    MetadataFilter filter =
        FilterParser.parse("colour = \"dark red\" and shape IN (circle, \"sq\\\"uare\")");

    assertEquals(
        List.of(
            new MetadataFilter.Condition("colour", Set.of("dark red")),
            new MetadataFilter.Condition("shape", Set.of("circle", "sq\"uare"))),
        filter.conditions());
  }

  @Test
  void matches_needsEveryCondition() {
    MetadataFilter filter = FilterParser.parse("a = 1 AND b IN (x, y)");

    assertEquals(true, filter.matches(Map.of("a", "1", "b", "y")));
    assertEquals(false, filter.matches(Map.of("a", "1", "b", "z")));
    assertEquals(false, filter.matches(Map.of("b", "x")));
  }

  @Test
  void parse_missingOperator_namesTheFieldAndTheKey() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> FilterParser.parse("colour red"));

    assertEquals("filter: metadata key 'colour': expected = or IN at offset 7", e.getMessage());
    assertEquals(
        FieldViolation.of("filter", "metadata key 'colour': expected = or IN at offset 7"),
        e.violation().orElseThrow());
  }

  @Test
  void parse_unclosedSet_namesTheKey() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> FilterParser.parse("shape in (a, b"));

    assertEquals("filter: metadata key 'shape': expected ')' at the end", e.getMessage());
  }

  @Test
  void parse_unterminatedQuote_namesTheKey() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> FilterParser.parse("shape = \"circ"));

    assertEquals(
        "filter: metadata key 'shape': unterminated quoted value at offset 8", e.getMessage());
  }

  @Test
  void parse_missingKey_saysSo() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> FilterParser.parse("= red"));

    assertEquals("filter: expected a metadata key at offset 0", e.getMessage());
  }

  @Test
  void parse_trailingWords_areAnError() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> FilterParser.parse("a = 1 b = 2"));

    assertEquals(
        "filter: metadata key 'a': expected AND or the end of the filter at offset 6",
        e.getMessage());
  }
}
