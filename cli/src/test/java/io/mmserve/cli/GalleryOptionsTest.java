package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command lines of {@code index} and {@code search}. */
class GalleryOptionsTest {
  @TempDir Path dir;

  private IndexOptions index(String... args) {
    return IndexOptions.parse(List.of(args), Map.of());
  }

  private static SearchOptions search(String... args) {
    return SearchOptions.parse(List.of(args), Map.of());
  }

  private static String usageError(Runnable parse) {
    return assertThrows(UsageException.class, parse::run).getMessage();
  }

  @Test
  void index_defaults() {
    IndexOptions options = index(dir.toString(), "--collection", "shapes");

    assertEquals(dir.toAbsolutePath().normalize(), options.dir());
    assertEquals("shapes", options.collection());
    assertFalse(options.recursive());
    assertEquals(IndexOptions.DEFAULT_BATCH, options.batch());
    assertEquals(IndexOptions.DEFAULT_IN_FLIGHT, options.inFlight());
    assertEquals(Map.of(), options.metadata());
    assertEquals(EmbedOptions.DEFAULT_TARGET, options.call().target());
  }

  @Test
  void index_everyOption() {
    IndexOptions options =
        index(
            "--recursive",
            "--batch=8",
            "--in-flight",
            "2",
            "--metadata",
            "source=test",
            "--metadata",
            "set=a=b",
            dir.toString(),
            "--collection=shapes",
            "--target",
            "127.0.0.1:1");

    assertTrue(options.recursive());
    assertEquals(8, options.batch());
    assertEquals(2, options.inFlight());
    assertEquals(Map.of("source", "test", "set", "a=b"), options.metadata());
    assertEquals("127.0.0.1:1", options.call().target());
  }

  @Test
  void index_usageErrors_sayWhatIsWrong() {
    assertEquals("give the collection: --collection NAME", usageError(() -> index(dir.toString())));
    assertTrue(usageError(() -> index("--collection", "c")).startsWith("give one folder: "));
    assertEquals(
        dir.resolve("nope") + " is not a folder",
        usageError(() -> index(dir.resolve("nope").toString(), "--collection", "c")));
    assertEquals(
        "--batch must be in 1..1000, but was 0",
        usageError(() -> index(dir.toString(), "--collection", "c", "--batch", "0")));
    assertEquals(
        "--metadata takes key=value, but was 'novalue'",
        usageError(() -> index(dir.toString(), "--collection", "c", "--metadata", "novalue")));
    assertEquals(
        "--metadata uri: index sets the keys path and uri itself",
        usageError(() -> index(dir.toString(), "--collection", "c", "--metadata", "uri=x")));
    assertEquals(
        "unknown option --top-k",
        usageError(() -> index(dir.toString(), "--collection", "c", "--top-k", "3")));
  }

  @Test
  void search_textFromTheWordsGiven() {
    SearchOptions options =
        search("--collection", "shapes", "a", "red", "circle", "--top-k", "3", "--json");

    assertEquals(Optional.of("a red circle"), options.text());
    assertEquals(Optional.empty(), options.image());
    assertEquals(3, options.topK());
    assertTrue(options.call().json());
    assertFalse(options.exact());
    assertEquals("", options.filter());
  }

  @Test
  void search_imageFilterAndExact() {
    SearchOptions options =
        search(
            "--collection", "shapes", "--image", "q.png", "--filter", "shape = circle", "--exact");

    assertEquals(Optional.of("q.png"), options.image());
    assertEquals(Optional.empty(), options.text());
    assertEquals("shape = circle", options.filter());
    assertTrue(options.exact());
    assertEquals(0, options.topK());
  }

  @Test
  void search_usageErrors_sayWhatIsWrong() {
    assertTrue(
        usageError(() -> search("--collection", "c"))
            .startsWith("give a text or --image FILE to search with, not both"));
    assertTrue(
        usageError(() -> search("--collection", "c", "text", "--image", "q.png"))
            .startsWith("give a text or --image FILE to search with, not both"));
    assertEquals("give the collection: --collection NAME", usageError(() -> search("text")));
    assertEquals(
        "--top-k must be an integer, but was 'many'",
        usageError(() -> search("--collection", "c", "x", "--top-k", "many")));
  }

  @Test
  void main_usageError_exitsTwoWithTheMessage() throws InterruptedException {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();

    int exit =
        Main.run(
            List.of("search", "--collection", "c"),
            Map.of(),
            new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
            new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));

    assertEquals(2, exit);
    assertTrue(
        err.toString(java.nio.charset.StandardCharsets.UTF_8).startsWith("mmserve search: "));
  }
}
