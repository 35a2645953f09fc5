package io.mmserve.text.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceBucketsTest {
  private static final int CLIP_CONTEXT = 77;
  private final SequenceBuckets buckets =
      SequenceBuckets.of("sequence.buckets", List.of(16, 32, 48, 64));

  @Test
  void lengthFor_roundsUpToTheSmallestBucketThatHoldsTheLongestText() {
    assertEquals(16, buckets.lengthFor(2, CLIP_CONTEXT));
    assertEquals(16, buckets.lengthFor(16, CLIP_CONTEXT));
    assertEquals(32, buckets.lengthFor(17, CLIP_CONTEXT));
    assertEquals(48, buckets.lengthFor(33, CLIP_CONTEXT));
    assertEquals(64, buckets.lengthFor(64, CLIP_CONTEXT));
  }

  @Test
  void lengthFor_abovetheLastBucketIsTheContextLength() {
    assertEquals(77, buckets.lengthFor(65, CLIP_CONTEXT));
    assertEquals(77, buckets.lengthFor(77, CLIP_CONTEXT));
  }

  @Test
  void lengthFor_ignoresBucketsAtOrPastTheContextLength() {
    // the bundled pack's context is 24: 16 and then 24, never 32
    assertEquals(16, buckets.lengthFor(9, 24));
    assertEquals(24, buckets.lengthFor(17, 24));
    assertEquals(16, buckets.lengthFor(16, 16));
    assertEquals(12, buckets.lengthFor(3, 12));
  }

  @Test
  void of_sortsAndDropsRepeats() {
    SequenceBuckets unordered = SequenceBuckets.of("k", List.of(64, 16, 32, 16));

    assertEquals(List.of(16, 32, 64), unordered.lengths());
    assertEquals(32, unordered.lengthFor(20, CLIP_CONTEXT));
  }

  @Test
  void fixed_alwaysPadsToTheContextLength() {
    SequenceBuckets fixed = SequenceBuckets.fixed();

    assertEquals(77, fixed.lengthFor(2, CLIP_CONTEXT));
    assertEquals(24, fixed.lengthFor(24, 24));
  }

  @Test
  void lengthFor_rejectsATextLongerThanTheContext() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> buckets.lengthFor(78, CLIP_CONTEXT));

    assertEquals("a text of 78 tokens does not fit a context of 77", e.getMessage());
  }

  @Test
  void of_rejectsOutOfRangeAndEmptyListsNamingTheSetting() {
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class,
            () -> SequenceBuckets.of("sequence.buckets", List.of(16, 0)));
    IllegalArgumentException empty =
        assertThrows(
            IllegalArgumentException.class,
            () -> SequenceBuckets.of("sequence.buckets", List.of()));

    assertEquals(
        "sequence.buckets must list sequence lengths in 1..65536, but has 0", zero.getMessage());
    assertEquals(
        "sequence.buckets must list at least one sequence length, but was []", empty.getMessage());
  }
}
