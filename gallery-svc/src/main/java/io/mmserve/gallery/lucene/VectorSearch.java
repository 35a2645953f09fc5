package io.mmserve.gallery.lucene;

import io.mmserve.gallery.index.SearchQuery;
import io.mmserve.gallery.index.SearchResult;
import io.mmserve.gallery.lucene.TopHits.Scored;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.VectorUtil;

/**
 * Searches one collection's point-in-time view. Exact search compares the query with every live
 * stored vector that passes the filter ({@link ExactSearch}); approximate search walks the HNSW
 * graph (int8-quantized scores, by default) for top_k x oversample candidates, then re-ranks them
 * by the dot product with their full float vectors. When every segment's graph holds the full float
 * vectors ({@code index.quantization=none}), the graph's scores already order the candidates by
 * their exact dot product, so only those that can still be among the top_k ({@link
 * GraphScores#head}) are re-scored. Either way the score is the exact cosine, and the hits' fields
 * are read by a {@link HitReader}. Runs on the caller's thread, and an exact search also on the
 * exact-search executor.
 */
final class VectorSearch {
  private final IndexSearcher searcher;
  private final int exactMaxSize;
  private final int oversample;
  private final ExactSearch exactSearch;

  /**
   * @param exactExecutor runs the slices of an exact search beyond the caller's own
   * @param exactSlices how many slices an exact search is cut into
   */
  VectorSearch(
      IndexSearcher searcher,
      int exactMaxSize,
      int oversample,
      Executor exactExecutor,
      int exactSlices) {
    this.searcher = searcher;
    this.exactMaxSize = exactMaxSize;
    this.oversample = oversample;
    this.exactSearch = new ExactSearch(searcher, exactExecutor, exactSlices);
  }

  SearchResult search(SearchQuery query) throws IOException {
    Query filter = LuceneFilters.toQuery(query.filter());
    int live = searcher.getIndexReader().numDocs();
    boolean exact = query.exact() || live <= exactMaxSize;
    List<Scored> top =
        exact ? exact(query.vector(), query.topK(), filter) : approximate(query, filter, live);
    return new SearchResult(new HitReader(searcher.getIndexReader()).read(top), exact);
  }

  /** The k best of every live document that passes {@code filter}, with their cosines. */
  private List<Scored> exact(float[] query, int k, Query filter) throws IOException {
    List<Scored> top = new ArrayList<>();
    for (Scored s : exactSearch.search(query, k, filter).sorted()) {
      top.add(new Scored(s.doc(), ExactSearch.cosine(s.score())));
    }
    return top;
  }

  /**
   * HNSW candidates re-ranked by their full vectors: all of them, or only the head of the graph's
   * order when its scores are already the full vectors' ({@link GraphScores}).
   */
  private List<Scored> approximate(SearchQuery query, Query filter, int live) throws IOException {
    int candidates = (int) Math.min((long) query.topK() * oversample, live);
    candidates = Math.max(candidates, query.topK());
    TopDocs found =
        searcher.search(
            new KnnFloatVectorQuery(LuceneDocuments.VECTOR, query.vector(), candidates, filter),
            candidates);
    ScoreDoc[] rescore =
        GraphScores.exact(searcher.getIndexReader())
            ? GraphScores.head(found.scoreDocs, query.topK())
            : found.scoreDocs;
    int[] docs = new int[rescore.length];
    for (int i = 0; i < docs.length; i++) {
      docs[i] = rescore[i].doc;
    }
    Arrays.sort(docs); // each segment's vector iterator only moves forward
    TopHits best = new TopHits(query.topK());
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    int i = 0;
    while (i < docs.length) {
      LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(docs[i], leaves));
      FloatVectorValues values = leaf.reader().getFloatVectorValues(LuceneDocuments.VECTOR);
      KnnVectorValues.DocIndexIterator it = values.iterator();
      int end = leaf.docBase + leaf.reader().maxDoc();
      for (; i < docs.length && docs[i] < end; i++) {
        int doc = docs[i] - leaf.docBase;
        if (it.docID() < doc) {
          it.advance(doc);
        }
        if (it.docID() == doc) {
          best.offer(docs[i], score(query.vector(), values, it.index()));
        }
      }
    }
    return List.of(best.sorted());
  }

  private static float score(float[] query, FloatVectorValues values, int ord) throws IOException {
    return VectorUtil.dotProduct(query, values.vectorValue(ord));
  }
}
