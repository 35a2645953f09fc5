package io.mmserve.kit.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class FieldViolationTest {

  @Test
  void item_namesTheItemInMessageAndPath() {
    FieldViolation v = FieldViolation.item("images", 3, "corrupt image data");

    assertEquals("images[3]: corrupt image data", v.message());
    assertEquals("images[3]", v.path());
  }

  @Test
  void at_namesAFieldInsideTheItem() {
    FieldViolation v = FieldViolation.item("pairs", 2, "encoded bytes are empty").at("image");

    assertEquals("pairs[2].image: encoded bytes are empty", v.message());
    assertEquals("pairs[2].image", v.path());
    assertEquals("pairs[2]", v.item());
  }

  @Test
  void of_namesTheWholeField() {
    FieldViolation v = FieldViolation.of("texts", "must contain at least one text");

    assertEquals("texts: must contain at least one text", v.message());
    assertEquals("texts", v.path());
  }

  @Test
  void parse_readsWhatPathWrote() {
    FieldViolation v = FieldViolation.item("images", 12, "too large").at("raw.format");

    assertEquals(Optional.of(v), FieldViolation.parse(v.path(), v.rule()));
    assertEquals(
        Optional.of(FieldViolation.of("include_features", "no features")),
        FieldViolation.parse("include_features", "no features"));
  }

  @Test
  void parse_refusesWhatIsNoFieldPath() {
    assertEquals(Optional.empty(), FieldViolation.parse("images[x]", "rule"));
    assertEquals(Optional.empty(), FieldViolation.parse("images[3]: corrupt", "rule"));
    assertEquals(Optional.empty(), FieldViolation.parse("", "rule"));
  }

  @Test
  void withIndex_renumbersTheItem() {
    FieldViolation inBatch = FieldViolation.item("texts", 7, "too long");

    assertEquals("texts[2]: too long", inBatch.withIndex(2).message());
  }

  @Test
  void constructor_rejectsANegativeItemIndexAndABlankRule() {
    assertThrows(IllegalArgumentException.class, () -> FieldViolation.item("images", -1, "r"));
    assertThrows(IllegalArgumentException.class, () -> FieldViolation.of("images", " "));
    assertThrows(
        IllegalArgumentException.class,
        () -> new FieldViolation("images[0]", FieldViolation.NO_INDEX, "", "r"));
  }

  @Test
  void of_readsAFieldPath() {
    FieldViolation v = FieldViolation.of("pairs[2].image", "no image given");

    assertEquals(FieldViolation.item("pairs", 2, "no image given").at("image"), v);
    assertEquals("pairs[2].image: no image given", v.message());
  }

  @Test
  void of_refusesWhatIsNoFieldPath() {
    assertThrows(IllegalArgumentException.class, () -> FieldViolation.of("two fields", "r"));
  }
}
