package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UnderstandOptionsTest {

  @Test
  void parseClassify_splitsTheLabelsOnCommas() {
    UnderstandOptions options =
        UnderstandOptions.parseClassify(
            List.of("a.png", "--labels", "red circle, blue square", "--top-k=1", "--json"),
            Map.of());

    assertEquals(List.of("a.png"), options.inputs());
    assertEquals(List.of("red circle", "blue square"), options.labels());
    assertEquals(1, options.topK());
    assertEquals("", options.template());
    assertTrue(options.call().json());
    assertEquals("127.0.0.1:50051", options.call().target());
  }

  @Test
  void parseClassify_withoutLabels_isUsageError() {
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> UnderstandOptions.parseClassify(List.of("a.png"), Map.of()));

    assertEquals("give the labels: --labels \"a,b,c\"", e.getMessage());
  }

  @Test
  void parseMatch_needsImageAndCaptionPairs() {
    assertThrows(
        UsageException.class,
        () -> UnderstandOptions.parseMatch(List.of("a.png", "cap", "b.png"), Map.of()));
    assertEquals(
        List.of("a.png", "cap"),
        UnderstandOptions.parseMatch(List.of("a.png", "cap"), Map.of()).inputs());
  }

  @Test
  void parseRank_readsQueryRerankAndCandidates() {
    UnderstandOptions options =
        UnderstandOptions.parseRank(
            List.of("--query-text", "a red circle", "a.png", "b.png", "--rerank", "2"), Map.of());

    assertEquals(Optional.of("a red circle"), options.queryText());
    assertEquals(List.of("a.png", "b.png"), options.inputs());
    assertEquals(2, options.rerank());
  }

  @Test
  void parseRank_bothQueries_isUsageError() {
    assertThrows(
        UsageException.class,
        () ->
            UnderstandOptions.parseRank(
                List.of("--query-text", "x", "--query-image", "q.png", "a"), Map.of()));
  }
}
