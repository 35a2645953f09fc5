package io.mmserve.gallery.lucene;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocAndFloatFeatureBuffer;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.VectorScorer;
import org.apache.lucene.search.Weight;

/**
 * Exact top-k over every live stored vector that passes a filter. Each segment's full float vectors
 * are scored in place (memory-mapped, never copied to the heap) by the codec's bulk re-scorer,
 * which is Lucene's Vector API kernel when {@code jdk.incubator.vector} is resolved; the best are
 * kept in a primitive {@link TopHits} heap. The documents are cut into {@code slices} doc-id ranges
 * of about equal size; the caller's thread scores one and {@code executor} the others, and their
 * heaps are merged.
 *
 * <p>Scores are Lucene's dot-product similarity, {@code (1 + cosine) / 2}: {@link #cosine} turns
 * them back.
 */
final class ExactSearch {
  /**
   * The fewest documents worth a slice of their own: below this a hand-off to another thread costs
   * more than the scoring it saves (4096 x 512 floats take about a millisecond).
   */
  static final int MIN_SLICE_DOCS = 4096;

  private final IndexSearcher searcher;
  private final Executor executor;
  private final int slices;

  /**
   * @param executor runs the slices beyond the first; it must not run them on the caller's thread
   *     while the caller waits (a pool, not a direct executor) if {@code slices > 1}
   * @param slices how many ranges to score in parallel, at least 1 (fewer for small indexes)
   */
  ExactSearch(IndexSearcher searcher, Executor executor, int slices) {
    this.searcher = searcher;
    this.executor = executor;
    this.slices = Math.max(1, slices);
  }

  /** The {@code k} best of every live document that passes {@code filter} (null: all). */
  TopHits search(float[] query, int k, Query filter) throws IOException {
    Weight weight =
        filter == null
            ? null
            : searcher.createWeight(searcher.rewrite(filter), ScoreMode.COMPLETE_NO_SCORES, 1);
    List<Range> ranges = ranges();
    List<CompletableFuture<TopHits>> others = new ArrayList<>();
    for (Range range : ranges.subList(Math.min(1, ranges.size()), ranges.size())) {
      others.add(CompletableFuture.supplyAsync(() -> score(range, query, k, weight), executor));
    }
    TopHits best = ranges.isEmpty() ? new TopHits(k) : score(ranges.get(0), query, k, weight);
    for (CompletableFuture<TopHits> other : others) {
      try {
        best.addAll(other.join());
      } catch (CompletionException e) {
        if (e.getCause() instanceof UncheckedIOException io) {
          throw io.getCause();
        }
        throw e;
      }
    }
    return best;
  }

  /** The cosine of a score of Lucene's dot-product similarity. */
  static float cosine(float score) {
    return 2 * score - 1;
  }

  /**
   * Doc-id ranges of about {@code maxDoc / slices} documents (at least {@link #MIN_SLICE_DOCS}),
   * never spanning two segments.
   */
  private List<Range> ranges() {
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    long total = 0;
    for (LeafReaderContext leaf : leaves) {
      total += leaf.reader().maxDoc();
    }
    int size = (int) Math.max(MIN_SLICE_DOCS, (total + slices - 1) / slices);
    List<Range> ranges = new ArrayList<>();
    for (LeafReaderContext leaf : leaves) {
      int maxDoc = leaf.reader().maxDoc();
      for (int from = 0; from < maxDoc; from += size) {
        ranges.add(new Range(leaf, from, Math.min(maxDoc, from + size)));
      }
    }
    return ranges;
  }

  private static TopHits score(Range range, float[] query, int k, Weight weight) {
    try {
      TopHits best = new TopHits(k);
      LeafReaderContext leaf = range.leaf();
      FloatVectorValues values = leaf.reader().getFloatVectorValues(LuceneDocuments.VECTOR);
      if (values == null || values.size() == 0) {
        return best;
      }
      DocIdSetIterator matching = DocIdSetIterator.range(range.from(), range.to());
      if (weight != null) {
        Scorer scorer = weight.scorer(leaf);
        if (scorer == null) {
          return best; // nothing in this segment passes
        }
        matching = new RangeFilter(scorer.iterator(), range.from(), range.to());
      }
      VectorScorer.Bulk bulk = values.rescorer(query).bulk(matching);
      DocAndFloatFeatureBuffer buffer = new DocAndFloatFeatureBuffer();
      int base = leaf.docBase;
      while (true) {
        bulk.nextDocsAndScores(range.to(), leaf.reader().getLiveDocs(), buffer);
        if (buffer.size == 0) {
          return best;
        }
        float threshold = best.threshold();
        for (int i = 0; i < buffer.size; i++) {
          if (buffer.features[i] >= threshold) {
            best.offer(base + buffer.docs[i], buffer.features[i]);
            threshold = best.threshold();
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Documents {@code [from, to)} of one segment. */
  private record Range(LeafReaderContext leaf, int from, int to) {}

  /** A filter's documents within {@code [from, to)}. */
  private static final class RangeFilter extends DocIdSetIterator {
    private final DocIdSetIterator in;
    private final int from;
    private final int to;

    RangeFilter(DocIdSetIterator in, int from, int to) {
      this.in = in;
      this.from = from;
      this.to = to;
    }

    @Override
    public int docID() {
      int doc = in.docID();
      return doc >= to ? NO_MORE_DOCS : doc;
    }

    @Override
    public int nextDoc() throws IOException {
      return advance(docID() + 1);
    }

    @Override
    public int advance(int target) throws IOException {
      int doc = in.advance(Math.max(target, from));
      return doc >= to ? NO_MORE_DOCS : doc;
    }

    @Override
    public long cost() {
      return Math.min(in.cost(), to - from);
    }
  }
}
