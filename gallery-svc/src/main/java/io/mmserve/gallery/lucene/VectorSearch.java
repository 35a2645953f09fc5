package io.mmserve.gallery.lucene;

import io.mmserve.gallery.index.Hit;
import io.mmserve.gallery.index.SearchQuery;
import io.mmserve.gallery.index.SearchResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.VectorUtil;

/**
 * Searches one collection's point-in-time view. Exact search compares the query with every live
 * stored vector that passes the filter; approximate search walks the HNSW graph (int8-quantized
 * scores, by default) for top_k x oversample candidates, then re-ranks them by the dot product with
 * their full float vectors. Either way the score is the exact cosine. Runs on the caller's thread.
 */
final class VectorSearch {
  /** Best first; ties in document order, so equal scores come back in a stable order. */
  private static final Comparator<Scored> BEST_FIRST =
      Comparator.comparingDouble((Scored s) -> -s.score()).thenComparingInt(Scored::doc);

  private final IndexSearcher searcher;
  private final int exactMaxSize;
  private final int oversample;

  VectorSearch(IndexSearcher searcher, int exactMaxSize, int oversample) {
    this.searcher = searcher;
    this.exactMaxSize = exactMaxSize;
    this.oversample = oversample;
  }

  SearchResult search(SearchQuery query) throws IOException {
    Query filter = LuceneFilters.toQuery(query.filter());
    int live = searcher.getIndexReader().numDocs();
    boolean exact = query.exact() || live <= exactMaxSize;
    List<Scored> top =
        exact ? exact(query.vector(), query.topK(), filter) : approximate(query, filter, live);
    return new SearchResult(hits(top), exact);
  }

  /** The k best of every live document that passes {@code filter}. */
  private List<Scored> exact(float[] query, int k, Query filter) throws IOException {
    Weight weight =
        filter == null
            ? null
            : searcher.createWeight(searcher.rewrite(filter), ScoreMode.COMPLETE_NO_SCORES, 1);
    PriorityQueue<Scored> best = new PriorityQueue<>(BEST_FIRST.reversed());
    for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
      FloatVectorValues values = leaf.reader().getFloatVectorValues(LuceneDocuments.VECTOR);
      if (values == null) {
        continue;
      }
      DocIdSetIterator allowed = null;
      if (weight != null) {
        Scorer scorer = weight.scorer(leaf);
        if (scorer == null) {
          continue; // nothing in this segment passes
        }
        allowed = scorer.iterator();
      }
      Bits liveDocs = leaf.reader().getLiveDocs();
      KnnVectorValues.DocIndexIterator it = values.iterator();
      for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
        if (liveDocs != null && !liveDocs.get(doc)) {
          continue;
        }
        if (allowed != null) {
          if (allowed.docID() < doc) {
            allowed.advance(doc);
          }
          if (allowed.docID() != doc) {
            continue;
          }
        }
        offer(best, k, new Scored(leaf.docBase + doc, score(query, values, it.index())));
      }
    }
    return sorted(best);
  }

  /** HNSW candidates re-ranked by their full vectors. */
  private List<Scored> approximate(SearchQuery query, Query filter, int live) throws IOException {
    int candidates = (int) Math.min((long) query.topK() * oversample, live);
    candidates = Math.max(candidates, query.topK());
    TopDocs found =
        searcher.search(
            new KnnFloatVectorQuery(LuceneDocuments.VECTOR, query.vector(), candidates, filter),
            candidates);
    int[] docs = new int[found.scoreDocs.length];
    for (int i = 0; i < docs.length; i++) {
      docs[i] = found.scoreDocs[i].doc;
    }
    java.util.Arrays.sort(docs); // each segment's vector iterator only moves forward
    PriorityQueue<Scored> best = new PriorityQueue<>(BEST_FIRST.reversed());
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
          offer(best, query.topK(), new Scored(docs[i], score(query.vector(), values, it.index())));
        }
      }
    }
    return sorted(best);
  }

  private List<Hit> hits(List<Scored> top) throws IOException {
    StoredFields stored = searcher.storedFields();
    Set<String> fields = Set.of(LuceneDocuments.ID, LuceneDocuments.METADATA);
    List<Hit> hits = new ArrayList<>(top.size());
    for (Scored s : top) {
      Document doc = stored.document(s.doc(), fields);
      hits.add(
          new Hit(
              doc.get(LuceneDocuments.ID),
              s.score(),
              LuceneDocuments.decode(doc.getBinaryValue(LuceneDocuments.METADATA))));
    }
    return hits;
  }

  private static float score(float[] query, FloatVectorValues values, int ord) throws IOException {
    return VectorUtil.dotProduct(query, values.vectorValue(ord));
  }

  private static void offer(PriorityQueue<Scored> best, int k, Scored candidate) {
    if (best.size() < k) {
      best.add(candidate);
    } else if (BEST_FIRST.compare(candidate, best.peek()) < 0) {
      best.poll();
      best.add(candidate);
    }
  }

  private static List<Scored> sorted(PriorityQueue<Scored> best) {
    List<Scored> out = new ArrayList<>(best);
    out.sort(BEST_FIRST);
    return out;
  }

  /** A document (searcher-wide id) with its exact score. */
  private record Scored(int doc, float score) {}
}
