package io.mmserve.gallery.lucene;

import io.mmserve.gallery.index.Hit;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.MetadataFilter;
import io.mmserve.gallery.index.SearchQuery;
import io.mmserve.testsupport.Npy;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.FSDirectory;

/**
 * The Lucene side of bench/gallery_ann.sh: builds one index of the benchmark's base vectors with
 * the vector format gallery-svc writes for a quantization setting ({@link LuceneCodecs}, the
 * documents of {@link LuceneDocuments}), then answers the queries through gallery-svc's own search
 * ({@link VectorSearch}: HNSW for top_k x oversample candidates, re-ranked by the full vectors, ids
 * and metadata read) for each ef (= 10 x oversample), one query at a time on one thread.
 *
 * <p>The index is written as one segment (a RAM buffer larger than the data, then a force-merge to
 * one segment if it flushed more), so the graph is one HNSW graph like FAISS's; the build is
 * single-threaded. An index already in INDEX_DIR (with the build time it took) is reused. Before
 * the timed passes, one untimed pass per ef warms the JIT and the index's pages; then each ef gets
 * {@link #PASSES} timed passes, the fastest counting. Lives in gallery-svc's package for its
 * package-private parts.
 *
 * <p>Usage: {@code GalleryAnnBench DATA_DIR INDEX_DIR int8|binary|none M EF_CONSTRUCTION
 * EF[,EF...]}. Prints "build SECONDS BYTES", "files EXT=BYTES ..." and "ef EF RECALL@10 QPS" lines.
 */
public final class GalleryAnnBench {
  private static final int K = 10;

  /** Timed passes over the queries per ef; the fastest counts (the machine is shared). */
  private static final int PASSES = 2;

  /** The build's seconds, written beside the index: a later run with the same index reuses it. */
  private static final String BUILD_FILE = "build-seconds.txt";

  private GalleryAnnBench() {}

  public static void main(String[] args) throws IOException {
    Path data = Path.of(args[0]);
    Path indexDir = Path.of(args[1]);
    LuceneSettings.Quantization quantization =
        LuceneSettings.Quantization.valueOf(args[2].toUpperCase(java.util.Locale.ROOT));
    int m = Integer.parseInt(args[3]);
    int efConstruction = Integer.parseInt(args[4]);
    int[] efs = Stream.of(args[5].split(",")).mapToInt(Integer::parseInt).toArray();
    LuceneSettings settings =
        new LuceneSettings(indexDir, quantization, m, efConstruction, 0, 1, 1, Duration.ofDays(1));

    FloatRows base = FloatRows.map(data.resolve("base.npy"));
    FloatRows queries = FloatRows.map(data.resolve("queries.npy"));
    Npy.Array truth = Npy.read(data.resolve("truth.npy"));

    Path buildFile = indexDir.resolve(BUILD_FILE);
    if (!Files.exists(buildFile)) {
      long started = System.nanoTime();
      build(settings, base);
      double seconds = (System.nanoTime() - started) / 1e9;
      Files.writeString(buildFile, String.format(java.util.Locale.ROOT, "%.1f%n", seconds));
    }
    double buildSeconds = Double.parseDouble(Files.readString(buildFile).strip());
    Map<String, Long> files = fileSizes(indexDir);
    System.out.printf(
        "build %.1f %d%n", buildSeconds, files.values().stream().mapToLong(Long::longValue).sum());
    StringBuilder line = new StringBuilder("files");
    files.forEach((ext, bytes) -> line.append(' ').append(ext).append('=').append(bytes));
    System.out.println(line);

    try (FSDirectory dir = FSDirectory.open(indexDir);
        DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher searcher = new IndexSearcher(reader); // no executor: one thread
      for (int ef : efs) { // warm-up: the JIT, and the index's pages
        runQueries(search(searcher, ef), queries, truth);
      }
      for (int ef : efs) {
        VectorSearch search = search(searcher, ef);
        double seconds = Double.MAX_VALUE;
        double recall = 0;
        for (int pass = 0; pass < PASSES; pass++) {
          long start = System.nanoTime();
          recall = runQueries(search, queries, truth);
          seconds = Math.min(seconds, (System.nanoTime() - start) / 1e9);
        }
        System.out.printf("ef %d %.4f %.1f%n", ef, recall, queries.rows() / seconds);
      }
    }
  }

  /** Approximate search of top 10 from ef candidates: HNSW beam ef, re-rank oversample ef / 10. */
  private static VectorSearch search(IndexSearcher searcher, int ef) {
    return new VectorSearch(searcher, 0, Math.max(1, ef / K), Runnable::run, 1);
  }

  private static void build(LuceneSettings settings, FloatRows base) throws IOException {
    IndexWriterConfig config = LuceneCodecs.writerConfig(settings);
    config.setRAMBufferSizeMB(1900); // one flush for 200,000 x 512 floats (and the graph)
    config.setRAMPerThreadHardLimitMB(1945);
    try (FSDirectory dir = FSDirectory.open(settings.dataDir());
        IndexWriter writer = new IndexWriter(dir, config)) {
      for (int i = 0; i < base.rows(); i++) {
        writer.addDocument(
            LuceneDocuments.toDocument(new Item(Integer.toString(i), base.row(i), Map.of())));
      }
      writer.commit();
      writer.forceMerge(1);
      writer.commit();
    }
  }

  private static double runQueries(VectorSearch search, FloatRows queries, Npy.Array truth)
      throws IOException {
    long[] expected = truth.longs();
    double hits = 0;
    for (int q = 0; q < queries.rows(); q++) {
      List<Hit> found =
          search.search(new SearchQuery(queries.row(q), K, MetadataFilter.NONE, false)).hits();
      Set<Long> want = new HashSet<>();
      for (int j = 0; j < K; j++) {
        want.add(expected[q * K + j]);
      }
      for (Hit hit : found) {
        if (want.contains(Long.parseLong(hit.id()))) {
          hits++;
        }
      }
    }
    return hits / (queries.rows() * (double) K);
  }

  /** Bytes per file extension of the index. */
  private static Map<String, Long> fileSizes(Path dir) throws IOException {
    Map<String, Long> sizes = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.equals(BUILD_FILE)) {
          continue;
        }
        String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : name;
        sizes.merge(ext, Files.size(f), Long::sum);
      }
    }
    return sizes;
  }

  /** A C-order float32 .npy matrix, memory-mapped (so larger than 2 GiB works). */
  private record FloatRows(java.nio.FloatBuffer floats, int rows, int cols) {
    static FloatRows map(Path file) throws IOException {
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        var head = channel.map(FileChannel.MapMode.READ_ONLY, 0, 12).order(ByteOrder.LITTLE_ENDIAN);
        int major = head.get(6);
        int headerLen = major == 1 ? Short.toUnsignedInt(head.getShort(8)) : head.getInt(8);
        int start = major == 1 ? 10 : 12;
        byte[] header = new byte[headerLen];
        channel.map(FileChannel.MapMode.READ_ONLY, start, headerLen).get(header);
        String text = new String(header, StandardCharsets.ISO_8859_1);
        if (!text.contains("'<f4'") || text.contains("'fortran_order': True")) {
          throw new IllegalArgumentException(file + ": not a C-order float32 matrix: " + text);
        }
        String[] shape =
            text.replaceAll(".*'shape': \\((\\d+), (\\d+)\\).*", "$1 $2").trim().split(" ");
        int rows = Integer.parseInt(shape[0]);
        int cols = Integer.parseInt(shape[1]);
        long offset = start + headerLen;
        var floats =
            channel
                .map(FileChannel.MapMode.READ_ONLY, offset, (long) rows * cols * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        return new FloatRows(floats, rows, cols);
      }
    }

    float[] row(int i) {
      float[] out = new float[cols];
      floats.get(i * cols, out);
      return out;
    }
  }
}
