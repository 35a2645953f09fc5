package io.mmserve.gallery.lucene;

import io.mmserve.gallery.index.MetadataFilter;
import java.util.List;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/** A {@link MetadataFilter} as a Lucene query over the metadata keyword fields. */
final class LuceneFilters {
  private LuceneFilters() {}

  /** The query that matches what {@code filter} lets through, or null for no filter. */
  static Query toQuery(MetadataFilter filter) {
    if (filter.isEmpty()) {
      return null;
    }
    BooleanQuery.Builder all = new BooleanQuery.Builder();
    for (MetadataFilter.Condition c : filter.conditions()) {
      String field = LuceneDocuments.METADATA_PREFIX + c.key();
      Query one =
          c.values().size() == 1
              ? new TermQuery(new Term(field, c.values().iterator().next()))
              : new TermInSetQuery(field, c.values().stream().map(BytesRef::new).toList());
      all.add(one, BooleanClause.Occur.FILTER);
    }
    return all.build();
  }

  /** Matches the documents with these ids. */
  static Query ids(List<String> ids) {
    return new TermInSetQuery(LuceneDocuments.ID, ids.stream().map(BytesRef::new).toList());
  }
}
