package io.mmserve.gallery.lucene;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mmserve.gallery.index.CollectionSpec;
import io.mmserve.gallery.index.ModelRef;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A collection's folder under the data dir: {@value #SPEC_FILE} (name, model, version, dimension),
 * the Lucene index in {@value #INDEX_DIR}/ and the write-ahead log {@value #LOG_FILE}. Creating and
 * dropping a folder are atomic renames followed by an fsync of the data dir, so after a crash a
 * collection is either whole or gone; leftovers of an interrupted create or drop (folders starting
 * with {@value #TEMPORARY_PREFIX}) are removed at start.
 */
final class CollectionFiles {
  static final String SPEC_FILE = "collection.json";
  static final String INDEX_DIR = "index";
  static final String LOG_FILE = "wal.log";
  static final String TEMPORARY_PREFIX = ".";

  private CollectionFiles() {}

  /** Creates the folder of {@code spec} under {@code dataDir}, durably; returns it. */
  static Path create(Path dataDir, CollectionSpec spec) throws IOException {
    Path staging = dataDir.resolve(TEMPORARY_PREFIX + "creating-" + spec.name());
    deleteRecursively(staging);
    Files.createDirectories(staging.resolve(INDEX_DIR));
    Path specFile = staging.resolve(SPEC_FILE);
    Files.writeString(specFile, toJson(spec), StandardCharsets.UTF_8);
    fsync(specFile);
    fsync(staging);
    Path folder = dataDir.resolve(spec.name());
    Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
    fsync(dataDir);
    return folder;
  }

  /** Reads the spec of the collection in {@code folder}. */
  static CollectionSpec read(Path folder) throws IOException {
    JsonObject json =
        JsonParser.parseString(Files.readString(folder.resolve(SPEC_FILE))).getAsJsonObject();
    return new CollectionSpec(
        json.get("name").getAsString(),
        new ModelRef(json.get("model").getAsString(), json.get("model_version").getAsString()),
        json.get("dimension").getAsInt());
  }

  /** Removes a collection's folder: first durably out of sight, then its files. */
  static void delete(Path dataDir, Path folder) throws IOException {
    Path doomed =
        dataDir.resolve(
            TEMPORARY_PREFIX + "dropping-" + folder.getFileName() + "-" + System.nanoTime());
    Files.move(folder, doomed, StandardCopyOption.ATOMIC_MOVE);
    fsync(dataDir);
    deleteRecursively(doomed);
  }

  /** Whether {@code folder} is what an interrupted create or drop left behind. */
  static boolean isLeftover(Path folder) {
    return folder.getFileName().toString().startsWith(TEMPORARY_PREFIX);
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Forces a file or a folder (its entries) to disk. */
  static void fsync(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static String toJson(CollectionSpec spec) {
    JsonObject json = new JsonObject();
    json.addProperty("name", spec.name());
    json.addProperty("model", spec.model().name());
    json.addProperty("model_version", spec.model().version());
    json.addProperty("dimension", spec.dimension());
    json.addProperty("backend", LuceneIndex.BACKEND);
    return json.toString();
  }
}
