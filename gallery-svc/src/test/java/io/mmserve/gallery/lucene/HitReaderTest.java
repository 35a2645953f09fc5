package io.mmserve.gallery.lucene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmserve.gallery.index.Hit;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.Vectors;
import io.mmserve.gallery.lucene.TopHits.Scored;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a hit returns, read from the doc value, from stored fields, or from both. */
class HitReaderTest {
  private static final int DIM = 4;

  @TempDir Path dir;

  @Test
  void read_takesIdAndMetadataFromTheDocValue() throws IOException {
    Document onlyDocValue = new Document(); // no stored id or metadata: nothing else to read from
    onlyDocValue.add(
        new BinaryDocValuesField(
            LuceneDocuments.HIT, LuceneDocuments.encodeHit("dv-only", Map.of("k", "v"))));

    List<Hit> hits = readAll(List.of(onlyDocValue), List.of(new Scored(0, 0.5f)));

    assertEquals(List.of(new Hit("dv-only", 0.5f, Map.of("k", "v"))), hits);
  }

  @Test
  void read_documentsWrittenBeforeTheDocValue_comeFromStoredFields() throws IOException {
    byte[] png = {1, 2, 3};
    Document old = withoutDocValue(new Item("old", Vectors.axis(DIM, 0), Map.of("a", "1"), png));
    Document current = LuceneDocuments.toDocument(new Item("new", Vectors.axis(DIM, 1), Map.of()));

    List<Hit> hits =
        readAll(List.of(old, current), List.of(new Scored(1, 0.9f), new Scored(0, 0.2f)));

    assertEquals(List.of("new", "old"), hits.stream().map(Hit::id).toList());
    assertEquals(Map.of("a", "1"), hits.get(1).metadata());
    assertArrayEquals(png, hits.get(1).thumbnail());
    assertArrayEquals(Item.NO_THUMBNAIL, hits.get(0).thumbnail());
  }

  @Test
  void read_thumbnailsOfCurrentDocuments_andHitsAcrossSegmentsInTheGivenOrder() throws IOException {
    byte[] png = {9, 8};
    Document a = LuceneDocuments.toDocument(new Item("a", Vectors.axis(DIM, 0), Map.of(), png));
    Document b = LuceneDocuments.toDocument(new Item("b", Vectors.axis(DIM, 1), Map.of("x", "y")));
    Document c = LuceneDocuments.toDocument(new Item("c", Vectors.axis(DIM, 2), Map.of()));

    List<Hit> hits =
        readAll(
            List.of(a, b, c),
            List.of(new Scored(2, 0.9f), new Scored(0, 0.8f), new Scored(1, 0.7f)));

    assertEquals(List.of("c", "a", "b"), hits.stream().map(Hit::id).toList());
    assertArrayEquals(png, hits.get(1).thumbnail());
    assertEquals(Map.of("x", "y"), hits.get(2).metadata());
    assertEquals(List.of(0.9f, 0.8f, 0.7f), hits.stream().map(Hit::score).toList());
  }

  /** One segment per document (a commit after each), then the hits of {@code top}. */
  private List<Hit> readAll(List<Document> docs, List<Scored> top) throws IOException {
    LuceneSettings settings =
        new LuceneSettings(
            dir, LuceneSettings.Quantization.NONE, 4, 10, 0, 4, 1, Duration.ofDays(1));
    try (FSDirectory directory = FSDirectory.open(dir)) {
      try (IndexWriter writer = new IndexWriter(directory, LuceneCodecs.writerConfig(settings))) {
        for (Document doc : docs) {
          writer.addDocument(doc);
          writer.commit();
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(directory)) {
        assertEquals(docs.size(), reader.leaves().size());
        return new HitReader(reader).read(top);
      }
    }
  }

  /** The document as written before the {@value LuceneDocuments#HIT} doc value existed. */
  private static Document withoutDocValue(Item item) {
    Document doc = LuceneDocuments.toDocument(item);
    doc.removeField(LuceneDocuments.HIT);
    return doc;
  }
}
