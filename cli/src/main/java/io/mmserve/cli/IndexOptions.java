package io.mmserve.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@code index}.
 *
 * @param call target, model and deadline (of each call)
 * @param dir the folder whose image files are upserted
 * @param collection the gallery collection
 * @param recursive also the files of sub-folders
 * @param batch most images per Upsert call
 * @param inFlight most Upsert calls at once
 * @param metadata pairs added to every item's metadata, beside {@code path} and {@code uri}
 */
record IndexOptions(
    CallOptions call,
    Path dir,
    String collection,
    boolean recursive,
    int batch,
    int inFlight,
    Map<String, String> metadata) {

  /** Within the gateway's default per-call image limit (limits.max-images, 64). */
  static final int DEFAULT_BATCH = 32;

  static final int DEFAULT_IN_FLIGHT = 4;

  /** Metadata keys {@code index} sets itself. */
  static final Set<String> OWN_KEYS = Set.of("path", "uri");

  static final String USAGE =
      "index DIR --collection NAME [--recursive] [--batch N] [--in-flight N] [--metadata k=v ...]";

  IndexOptions {
    metadata = Map.copyOf(metadata);
  }

  /**
   * Parses the arguments after {@code index}.
   *
   * @throws UsageException when an option is wrong, DIR is missing or not a folder
   */
  static IndexOptions parse(List<String> args, Map<String, String> env) {
    CommandLine line =
        CommandLine.parse(
            args,
            union(
                CallOptions.VALUE_OPTIONS, "--collection", "--batch", "--in-flight", "--metadata"),
            union(CallOptions.FLAG_OPTIONS, "--recursive"));
    if (line.positionals().size() != 1) {
      throw new UsageException("give one folder: " + USAGE);
    }
    Path dir = Path.of(line.positionals().get(0)).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new UsageException(line.positionals().get(0) + " is not a folder");
    }
    return new IndexOptions(
        CallOptions.from(line, env),
        dir,
        collection(line),
        line.flag("--recursive"),
        line.intValue("--batch", DEFAULT_BATCH, 1, 1000),
        line.intValue("--in-flight", DEFAULT_IN_FLIGHT, 1, 64),
        metadata(line.values("--metadata")));
  }

  /** The value of {@code --collection}, which is required. */
  static String collection(CommandLine line) {
    String collection =
        line.value("--collection")
            .orElseThrow(() -> new UsageException("give the collection: --collection NAME"));
    if (collection.isBlank()) {
      throw new UsageException("--collection must not be empty");
    }
    return collection;
  }

  private static Map<String, String> metadata(List<String> pairs) {
    Map<String, String> metadata = new LinkedHashMap<>();
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq < 1) {
        throw new UsageException("--metadata takes key=value, but was '" + pair + "'");
      }
      String key = pair.substring(0, eq);
      if (OWN_KEYS.contains(key)) {
        throw new UsageException("--metadata " + key + ": index sets the keys path and uri itself");
      }
      metadata.put(key, pair.substring(eq + 1));
    }
    return metadata;
  }

  static Set<String> union(Set<String> base, String... more) {
    java.util.HashSet<String> all = new java.util.HashSet<>(base);
    all.addAll(List.of(more));
    return all;
  }
}
