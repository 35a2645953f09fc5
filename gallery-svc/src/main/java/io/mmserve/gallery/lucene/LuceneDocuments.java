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
import org.apache.lucene.document.BinaryDocValuesField;
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
 * key) for filters, and its thumbnail, if any, stored and not indexed. The id and the metadata are
 * also kept together as one binary doc value ({@value #HIT}), so that a search reads what a hit
 * returns with one direct lookup instead of decompressing a stored-fields block per hit; the stored
 * copies stay for documents written before that field existed.
 */
final class LuceneDocuments {
  static final String ID = "id";
  static final String VECTOR = "vector";
  static final String METADATA = "metadata";
  static final String METADATA_PREFIX = "m.";
  static final String THUMBNAIL = "thumbnail";

  /** Binary doc value: the id and the metadata of the item, as {@link #encodeHit} writes them. */
  static final String HIT = "hit";

  /** The vectors are L2-normalised, so the dot product is their cosine. */
  static final VectorSimilarityFunction SIMILARITY = VectorSimilarityFunction.DOT_PRODUCT;

  private LuceneDocuments() {}

  static Document toDocument(Item item) {
    Document doc = new Document();
    doc.add(new StringField(ID, item.id(), Field.Store.YES));
    doc.add(new KnnFloatVectorField(VECTOR, item.vector(), SIMILARITY));
    doc.add(new StoredField(METADATA, encode(item.metadata())));
    doc.add(new BinaryDocValuesField(HIT, encodeHit(item.id(), item.metadata())));
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
      writeMetadata(out, metadata);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new BytesRef(bytes.toByteArray());
  }

  static Map<String, String> decode(BytesRef blob) {
    if (blob == null) {
      return new HashMap<>();
    }
    try (DataInputStream in = input(blob)) {
      return readMetadata(in);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt metadata field", e);
    }
  }

  /** The {@value #HIT} doc value: the id, then the metadata as {@link #encode} writes it. */
  static BytesRef encodeHit(String id, Map<String, String> metadata) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(id);
      writeMetadata(out, metadata);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new BytesRef(bytes.toByteArray());
  }

  /** Reads a {@value #HIT} doc value back: its id and metadata. */
  static IdAndMetadata decodeHit(BytesRef blob) {
    try (DataInputStream in = input(blob)) {
      return new IdAndMetadata(in.readUTF(), readMetadata(in));
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt hit field", e);
    }
  }

  private static DataInputStream input(BytesRef blob) {
    return new DataInputStream(new ByteArrayInputStream(blob.bytes, blob.offset, blob.length));
  }

  private static void writeMetadata(DataOutputStream out, Map<String, String> metadata)
      throws IOException {
    out.writeInt(metadata.size());
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeUTF(e.getValue());
    }
  }

  private static Map<String, String> readMetadata(DataInputStream in) throws IOException {
    int n = in.readInt();
    Map<String, String> metadata = HashMap.newHashMap(n);
    for (int i = 0; i < n; i++) {
      metadata.put(in.readUTF(), in.readUTF());
    }
    return metadata;
  }

  /** An item's id and metadata as a hit returns them. */
  record IdAndMetadata(String id, Map<String, String> metadata) {}
}
