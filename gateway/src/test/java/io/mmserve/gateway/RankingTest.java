package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.api.v1.RankedCandidate;
import java.util.List;
import org.junit.jupiter.api.Test;

class RankingTest {

  @Test
  void bySimilarity_ordersHighestFirstAndKeepsRequestOrderOnTies() {
    assertEquals(List.of(1, 0, 3, 2), Ranking.bySimilarity(new float[] {5, 7, 1, 5}));
  }

  @Test
  void results_putRerankedAheadByMatchProbabilityAndTheRestBySimilarity() {
    float[] logits = {10, 40, 20, 30};
    List<Integer> order = Ranking.bySimilarity(logits);

    List<RankedCandidate> results =
        Ranking.results(logits, 50f, order, new float[] {0.1f, 0.9f}, 0);

    assertEquals(List.of(3, 1, 2, 0), results.stream().map(RankedCandidate::getIndex).toList());
    assertTrue(results.get(0).getReranked());
    assertEquals(0.9f, results.get(0).getMatchProbability());
    assertEquals(0.6f, results.get(0).getSimilarity(), 1e-6);
    assertEquals(30f, results.get(0).getLogit());
    assertFalse(results.get(2).getReranked());
  }

  @Test
  void results_topKCutsAfterReranking() {
    float[] logits = {10, 40, 20};
    List<RankedCandidate> results =
        Ranking.results(logits, 50f, Ranking.bySimilarity(logits), new float[0], 2);

    assertEquals(List.of(1, 2), results.stream().map(RankedCandidate::getIndex).toList());
  }
}
