package io.mmserve.gallery.lucene;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The {@code k} best (document, score) pairs offered so far, in two primitive arrays kept as a
 * binary min-heap (the worst kept pair at the root), so that offering a document that does not make
 * the cut is one comparison and allocates nothing. Better means a higher score, or the lower
 * document id at equal scores, so equal scores come back in a stable order. Not thread-safe: one
 * per thread, {@link #addAll merged} afterwards.
 */
final class TopHits {
  /** Best first: higher score, then lower document id. */
  static final Comparator<Scored> BEST_FIRST =
      Comparator.comparingDouble((Scored s) -> -s.score()).thenComparingInt(Scored::doc);

  private final int k;
  private final int[] docs;
  private final float[] scores;
  private int size;

  TopHits(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, but was " + k);
    }
    this.k = k;
    this.docs = new int[k];
    this.scores = new float[k];
  }

  /** The score a document must beat to enter, once {@code k} are kept; -infinity before. */
  float threshold() {
    return size < k ? Float.NEGATIVE_INFINITY : scores[0];
  }

  /** Keeps the pair if it is among the {@code k} best so far. */
  void offer(int doc, float score) {
    if (size < k) {
      docs[size] = doc;
      scores[size] = score;
      up(size++);
    } else if (better(doc, score, docs[0], scores[0])) {
      docs[0] = doc;
      scores[0] = score;
      down(0);
    }
  }

  /** Offers every pair {@code other} kept. */
  void addAll(TopHits other) {
    for (int i = 0; i < other.size; i++) {
      offer(other.docs[i], other.scores[i]);
    }
  }

  int size() {
    return size;
  }

  /** The kept documents, best first. */
  Scored[] sorted() {
    Scored[] out = new Scored[size];
    for (int i = 0; i < size; i++) {
      out[i] = new Scored(docs[i], scores[i]);
    }
    Arrays.sort(out, BEST_FIRST);
    return out;
  }

  private static boolean better(int doc, float score, int otherDoc, float otherScore) {
    return score > otherScore || (score == otherScore && doc < otherDoc);
  }

  private void up(int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!better(docs[parent], scores[parent], docs[i], scores[i])) {
        return; // the parent is already the worse of the two
      }
      swap(i, parent);
      i = parent;
    }
  }

  private void down(int i) {
    while (true) {
      int worst = i;
      for (int child = 2 * i + 1; child <= 2 * i + 2 && child < size; child++) {
        if (better(docs[worst], scores[worst], docs[child], scores[child])) {
          worst = child;
        }
      }
      if (worst == i) {
        return;
      }
      swap(i, worst);
      i = worst;
    }
  }

  private void swap(int a, int b) {
    int doc = docs[a];
    docs[a] = docs[b];
    docs[b] = doc;
    float score = scores[a];
    scores[a] = scores[b];
    scores[b] = score;
  }

  /** A document (searcher-wide id) with its exact score. */
  record Scored(int doc, float score) {}
}
