package io.mmserve.gallery.lucene;

import io.mmserve.gallery.index.Item;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.BytesRef;

/**
 * How an {@link Item} is laid out as a Lucene document: its id (indexed and stored), its vector (an
 * HNSW vector field compared by dot product, which is the cosine of L2-normalised vectors), its
 * metadata stored as one blob and indexed as one keyword field per key ({@value #METADATA_PREFIX} +
 * key) for filters, and its thumbnail, if any, stored and not indexed.
 */
final class LuceneDocuments {
  static final String ID = "id";
  static final String VECTOR = "vector";
  static final String METADATA = "metadata";
  static final String METADATA_PREFIX = "m.";
  static final String THUMBNAIL = "thumbnail";

  /** The vectors are L2-normalised, so the dot product is their cosine. */
  static final VectorSimilarityFunction SIMILARITY = VectorSimilarityFunction.DOT_PRODUCT;

  private LuceneDocuments() {}

  static Document toDocument(Item item) {
    Document doc = new Document();
    doc.add(new StringField(ID, item.id(), Field.Store.YES));
    doc.add(new KnnFloatVectorField(VECTOR, item.vector(), SIMILARITY));
    doc.add(new StoredField(METADATA, encode(item.metadata())));
    item.metadata()
        .forEach((k, v) -> doc.add(new StringField(METADATA_PREFIX + k, v, Field.Store.NO)));
    if (item.thumbnail().length > 0) {
      doc.add(new StoredField(THUMBNAIL, item.thumbnail()));
    }
    return doc;
  }

  /** The stored thumbnail's bytes, or an empty array if the document has none. */
  static byte[] thumbnail(Document doc) {
    BytesRef stored = doc.getBinaryValue(THUMBNAIL);
    if (stored == null) {
      return Item.NO_THUMBNAIL;
    }
    return java.util.Arrays.copyOfRange(stored.bytes, stored.offset, stored.offset + stored.length);
  }

  static Term idTerm(String id) {
    return new Term(ID, id);
  }

  static BytesRef encode(Map<String, String> metadata) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(metadata.size());
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeUTF(e.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new BytesRef(bytes.toByteArray());
  }

  static Map<String, String> decode(BytesRef blob) {
    Map<String, String> metadata = new HashMap<>();
    if (blob == null) {
      return metadata;
    }
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(blob.bytes, blob.offset, blob.length))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        metadata.put(in.readUTF(), in.readUTF());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt metadata field", e);
    }
    return metadata;
  }
}
