package io.mmserve.gallery.lucene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmserve.gallery.lucene.TopHits.Scored;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopHitsTest {

  @Test
  void sorted_keepsTheKBestOfManyBestFirst() {
    Random random = new Random(5);
    float[] scores = new float[1000];
    TopHits top = new TopHits(10);
    for (int doc = 0; doc < scores.length; doc++) {
      scores[doc] = random.nextFloat();
      top.offer(doc, scores[doc]);
    }

    float[] expected = scores.clone();
    Arrays.sort(expected);
    float[] best = new float[10];
    for (int i = 0; i < 10; i++) {
      best[i] = expected[expected.length - 1 - i];
    }
    assertArrayEquals(best, scoresOf(top.sorted()));
  }

  @Test
  void sorted_equalScores_lowerDocFirstAndLowerDocKept() {
    TopHits top = new TopHits(2);
    top.offer(7, 0.5f);
    top.offer(3, 0.5f);
    top.offer(9, 0.5f);
    top.offer(1, 0.5f);

    assertEquals(
        Arrays.asList(new Scored(1, 0.5f), new Scored(3, 0.5f)), Arrays.asList(top.sorted()));
  }

  @Test
  void threshold_isTheWorstKeptOnceFull() {
    TopHits top = new TopHits(2);
    top.offer(0, 0.9f);
    assertEquals(Float.NEGATIVE_INFINITY, top.threshold());

    top.offer(1, 0.2f);
    top.offer(2, 0.4f);

    assertEquals(0.4f, top.threshold());
  }

  @Test
  void addAll_mergesTwoHeapsIntoTheBestOfBoth() {
    TopHits a = new TopHits(3);
    TopHits b = new TopHits(3);
    a.offer(0, 0.1f);
    a.offer(1, 0.8f);
    b.offer(2, 0.9f);
    b.offer(3, 0.3f);

    a.addAll(b);

    assertEquals(
        Arrays.asList(new Scored(2, 0.9f), new Scored(1, 0.8f), new Scored(3, 0.3f)),
        Arrays.asList(a.sorted()));
  }

  private static float[] scoresOf(Scored[] hits) {
    float[] out = new float[hits.length];
    for (int i = 0; i < hits.length; i++) {
      out[i] = hits[i].score();
    }
    return out;
  }
}
