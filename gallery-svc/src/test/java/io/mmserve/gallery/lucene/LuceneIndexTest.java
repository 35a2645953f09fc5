package io.mmserve.gallery.lucene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.index.GalleryLimits;
import io.mmserve.gallery.index.Hit;
import io.mmserve.gallery.index.VectorIndex;
import io.mmserve.gallery.index.VectorIndexContractTest;
import io.mmserve.gallery.index.Vectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The contract suite against the embedded Lucene backend, and what only it does. */
class LuceneIndexTest extends VectorIndexContractTest {

  /** Approximate unless asked (no exact threshold); commits only when told to. */
  static LuceneSettings settings(Path dataDir) {
    return new LuceneSettings(
        dataDir, LuceneSettings.Quantization.INT8, 16, 100, 0, 4, 2, Duration.ofDays(1));
  }

  @Override
  protected VectorIndex newIndex(Path dir) throws IOException {
    return LuceneIndex.open(settings(dir.resolve("data")));
  }

  @Test
  void open_afterACrash_replaysTheLogIntoTheIndex() throws IOException {
    gallery.upsert("shapes", MODEL, randomItems(new Random(1), 30));
    gallery.delete("shapes", List.of("item-3"));
    Path crashed = dir.resolve("crashed");
    copy(dir.resolve("data"), crashed); // the files as kill -9 leaves them: nothing committed

    try (LuceneIndex reopened = LuceneIndex.open(settings(crashed))) {
      Gallery after = new Gallery(reopened, GalleryLimits.defaults());

      assertEquals(29, after.describe("shapes").size());
      for (int i = 0; i < 30; i++) {
        List<Hit> hits =
            after.search("shapes", MODEL, Vectors.axis(DIM, 0), 1, "n = " + i, true).hits();
        assertEquals(
            i == 3 ? List.of() : List.of("item-" + i), hits.stream().map(Hit::id).toList());
      }
    }
  }

  @Test
  void commitAll_emptiesTheLogAndKeepsTheItems() throws IOException {
    gallery.upsert("shapes", MODEL, randomItems(new Random(2), 5));
    Path log = dir.resolve("data/shapes").resolve(CollectionFiles.LOG_FILE);
    assertTrue(Files.size(log) > 0);

    ((LuceneIndex) index).commitAll();

    assertEquals(0, Files.size(log));
    Path crashed = dir.resolve("crashed");
    copy(dir.resolve("data"), crashed);
    try (LuceneIndex reopened = LuceneIndex.open(settings(crashed))) {
      assertEquals(5, reopened.describe("shapes").orElseThrow().size());
    }
  }

  @Test
  void open_removesWhatAnInterruptedDropLeft() throws IOException {
    gallery.upsert("shapes", MODEL, randomItems(new Random(3), 2));
    index.close();
    Files.move(dir.resolve("data/shapes"), dir.resolve("data/.dropping-shapes-1"));

    index = LuceneIndex.open(settings(dir.resolve("data")));

    assertTrue(index.list().isEmpty());
    assertFalse(Files.exists(dir.resolve("data/.dropping-shapes-1")));
  }

  @Test
  void search_smallCollection_isExactUnasked() throws IOException {
    index.close();
    index =
        LuceneIndex.open(
            new LuceneSettings(
                dir.resolve("data"),
                LuceneSettings.Quantization.NONE,
                16,
                100,
                10,
                4,
                2,
                Duration.ofDays(1)));
    gallery = new Gallery(index, GalleryLimits.defaults());
    gallery.upsert("shapes", MODEL, randomItems(new Random(4), 10));

    assertTrue(gallery.search("shapes", MODEL, Vectors.axis(DIM, 0), 3, "", false).exact());
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else if (!source.getFileName().toString().equals("write.lock")) {
          Files.copy(source, target);
        }
      }
    }
  }
}
