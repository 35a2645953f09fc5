package io.mmserve.gateway;

import io.mmserve.api.v1.RankedCandidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The order of Rank's answer: candidates by cosine similarity, best first (ties keep request
 * order); the reranked ones, reordered by match probability, ahead of the rest; then top_k.
 */
final class Ranking {
  private Ranking() {}

  /**
   * Candidate indexes ordered by logit (so by similarity), highest first; ties in request order.
   */
  static List<Integer> bySimilarity(float[] logits) {
    return IntStream.range(0, logits.length)
        .boxed()
        .sorted(Comparator.comparingDouble((Integer i) -> logits[i]).reversed())
        .toList();
  }

  /**
   * The final list.
   *
   * @param logits fusion-svc's logit per candidate: logit scale x cosine similarity
   * @param logitScale the model's logit scale, > 0
   * @param order {@link #bySimilarity} of {@code logits}
   * @param matchProbabilities match probability of the first {@code matchProbabilities.length}
   *     candidates of {@code order}; empty when nothing was reranked
   * @param topK how many to return; 0 for all
   */
  static List<RankedCandidate> results(
      float[] logits, float logitScale, List<Integer> order, float[] matchProbabilities, int topK) {
    int reranked = matchProbabilities.length;
    Map<Integer, Float> probabilityOf = new HashMap<>();
    for (int i = 0; i < reranked; i++) {
      probabilityOf.put(order.get(i), matchProbabilities[i]);
    }
    List<Integer> head = new ArrayList<>(order.subList(0, reranked));
    // stable: equal probabilities keep their similarity order
    head.sort(Comparator.comparingDouble((Integer i) -> probabilityOf.get(i)).reversed());
    List<Integer> finalOrder = new ArrayList<>(head);
    finalOrder.addAll(order.subList(reranked, order.size()));
    int keep = topK == 0 ? finalOrder.size() : Math.min(topK, finalOrder.size());
    List<RankedCandidate> results = new ArrayList<>(keep);
    for (int index : finalOrder.subList(0, keep)) {
      RankedCandidate.Builder candidate =
          RankedCandidate.newBuilder()
              .setIndex(index)
              .setSimilarity(logits[index] / logitScale)
              .setLogit(logits[index]);
      Float probability = probabilityOf.get(index);
      if (probability != null) {
        candidate.setReranked(true).setMatchProbability(probability);
      }
      results.add(candidate.build());
    }
    return results;
  }
}
