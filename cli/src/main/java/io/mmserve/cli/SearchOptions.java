package io.mmserve.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The options of {@code search}.
 *
 * @param call target, model, output and deadline
 * @param collection the gallery collection
 * @param text the text query (the positional words, joined by spaces), or empty
 * @param image an image file as the query, or empty
 * @param topK hits to print; 0 for the server's default
 * @param filter the metadata filter; empty for none
 * @param exact compare with every stored vector instead of the approximate search
 */
record SearchOptions(
    CallOptions call,
    String collection,
    Optional<String> text,
    Optional<String> image,
    int topK,
    String filter,
    boolean exact) {

  static final String USAGE =
      "search --collection NAME \"TEXT\" | --image FILE  [--top-k K] [--filter EXPR] [--exact]";

  /**
   * Parses the arguments after {@code search}.
   *
   * @throws UsageException when an option is wrong, or not exactly one of a text and an image is
   *     given
   */
  static SearchOptions parse(List<String> args, Map<String, String> env) {
    CommandLine line =
        CommandLine.parse(
            args,
            IndexOptions.union(
                CallOptions.VALUE_OPTIONS, "--collection", "--image", "--top-k", "--filter"),
            IndexOptions.union(CallOptions.FLAG_OPTIONS, "--exact"));
    Optional<String> image = line.value("--image");
    Optional<String> text =
        line.positionals().isEmpty()
            ? Optional.empty()
            : Optional.of(String.join(" ", line.positionals()));
    if (text.isPresent() == image.isPresent()) {
      throw new UsageException("give a text or --image FILE to search with, not both: " + USAGE);
    }
    if (text.isPresent() && text.get().isBlank()) {
      throw new UsageException("the text to search with is empty");
    }
    return new SearchOptions(
        CallOptions.from(line, env),
        IndexOptions.collection(line),
        text,
        image,
        line.intValue("--top-k", 0, 0, 100_000),
        line.value("--filter").orElse(""),
        line.flag("--exact"));
  }
}
