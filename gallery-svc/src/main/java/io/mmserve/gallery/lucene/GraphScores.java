package io.mmserve.gallery.lucene;

import java.util.Arrays;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.ScoreDoc;

/**
 * When the HNSW search's own scores can stand in for the re-rank's ordering. A segment written with
 * the float32 HNSW format ({@link Lucene99HnswVectorsFormat}, {@code index.quantization=none})
 * scores graph candidates by the dot product of the full float vectors, as Lucene's dot-product
 * similarity {@code (1 + dot) / 2}; a quantized segment scores them by its codes, which only
 * approximate that order. Which format a segment has is recorded per field in the segment (an index
 * keeps the format it was written with until a merge rewrites it), so the check is per reader.
 * Stateless.
 */
final class GraphScores {
  /**
   * How far (in Lucene's score, {@code (1 + dot) / 2}) a graph score may lie from the score of the
   * re-rank's dot product of the same vectors: the two sum 512 products in different orders, and
   * the graph's score is rounded once more. For unit vectors the difference is a few float ulps
   * (about 1e-7); this margin is a hundred times that, and costs a re-scored candidate or two.
   */
  static final float SLACK = 1e-5f;

  private static final String FLOAT_FORMAT = new Lucene99HnswVectorsFormat().getName();

  private GraphScores() {}

  /**
   * Whether every segment of {@code reader} that has vectors scores them in its graph by the full
   * float dot product, so that a graph hit's score is its exact score within {@link #SLACK}.
   */
  static boolean exact(IndexReader reader) {
    for (LeafReaderContext leaf : reader.leaves()) {
      FieldInfo field = leaf.reader().getFieldInfos().fieldInfo(LuceneDocuments.VECTOR);
      if (field == null || !field.hasVectorValues()) {
        continue; // no vectors in this segment
      }
      if (field.getVectorSimilarityFunction() != VectorSimilarityFunction.DOT_PRODUCT
          || !FLOAT_FORMAT.equals(
              field.getAttribute(PerFieldKnnVectorsFormat.PER_FIELD_FORMAT_KEY))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The candidates that can be among the {@code k} best by their exact scores, given graph scores
   * within {@link #SLACK} of them: the first {@code k} of {@code best} (sorted by score, best
   * first, as a search's top docs are) and every later one whose score is within twice the slack of
   * the k-th. Any candidate beyond has at least {@code k} others whose exact scores are strictly
   * higher.
   */
  static ScoreDoc[] head(ScoreDoc[] best, int k) {
    if (best.length <= k) {
      return best;
    }
    float floor = best[k - 1].score - 2 * SLACK;
    int end = k;
    while (end < best.length && best[end].score >= floor) {
      end++;
    }
    return Arrays.copyOf(best, end);
  }
}
