package io.mmserve.gallery.lucene;

import io.mmserve.gallery.index.Hit;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.lucene.LuceneDocuments.IdAndMetadata;
import io.mmserve.gallery.lucene.TopHits.Scored;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;

/**
 * Reads what the hits of one search return (id, metadata, thumbnail) from a point-in-time reader.
 * The id and metadata come from the {@value LuceneDocuments#HIT} doc value: one direct lookup per
 * hit, visited in document order because doc-value iterators only move forward. Stored fields are
 * read only for what doc values do not hold: the thumbnail, in segments that have one, and the id
 * and metadata of documents written before the doc value existed. Not thread-safe: one per search,
 * on the searching thread; closes nothing (the reader belongs to the caller).
 */
final class HitReader {
  private static final Set<String> STORED =
      Set.of(LuceneDocuments.ID, LuceneDocuments.METADATA, LuceneDocuments.THUMBNAIL);
  private static final Set<String> THUMBNAIL_ONLY = Set.of(LuceneDocuments.THUMBNAIL);

  private final IndexReader reader;

  HitReader(IndexReader reader) {
    this.reader = reader;
  }

  /** The hits of {@code top} (searcher-wide doc ids with their scores), in the order given. */
  List<Hit> read(List<Scored> top) throws IOException {
    Integer[] byDoc = new Integer[top.size()];
    for (int i = 0; i < byDoc.length; i++) {
      byDoc[i] = i;
    }
    Arrays.sort(byDoc, Comparator.comparingInt(i -> top.get(i).doc()));
    Hit[] hits = new Hit[top.size()];
    List<LeafReaderContext> leaves = reader.leaves();
    int at = 0;
    while (at < byDoc.length) {
      LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(top.get(byDoc[at]).doc(), leaves));
      Leaf fields = new Leaf(leaf.reader());
      int end = leaf.docBase + leaf.reader().maxDoc();
      for (; at < byDoc.length && top.get(byDoc[at]).doc() < end; at++) {
        Scored s = top.get(byDoc[at]);
        hits[byDoc[at]] = fields.hit(s.doc() - leaf.docBase, s.score());
      }
    }
    return List.of(hits);
  }

  /** One segment's fields, for documents visited in increasing order. */
  private static final class Leaf {
    private final LeafReader reader;
    private final BinaryDocValues hitValues;
    private final boolean hasThumbnails;
    private StoredFields stored;

    Leaf(LeafReader reader) throws IOException {
      this.reader = reader;
      this.hitValues = reader.getBinaryDocValues(LuceneDocuments.HIT);
      this.hasThumbnails = reader.getFieldInfos().fieldInfo(LuceneDocuments.THUMBNAIL) != null;
    }

    Hit hit(int doc, float score) throws IOException {
      if (hitValues == null || !hitValues.advanceExact(doc)) {
        Document all = stored().document(doc, STORED);
        return new Hit(
            all.get(LuceneDocuments.ID),
            score,
            LuceneDocuments.decode(all.getBinaryValue(LuceneDocuments.METADATA)),
            LuceneDocuments.thumbnail(all));
      }
      IdAndMetadata item = LuceneDocuments.decodeHit(hitValues.binaryValue());
      byte[] thumbnail =
          hasThumbnails
              ? LuceneDocuments.thumbnail(stored().document(doc, THUMBNAIL_ONLY))
              : Item.NO_THUMBNAIL;
      return new Hit(item.id(), score, item.metadata(), thumbnail);
    }

    private StoredFields stored() throws IOException {
      if (stored == null) {
        stored = reader.storedFields();
      }
      return stored;
    }
  }
}
