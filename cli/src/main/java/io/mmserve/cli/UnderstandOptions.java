package io.mmserve.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code classify}, {@code match} and {@code rank}.
 *
 * @param call target, model, output and deadline
 * @param inputs the positional arguments: image files (classify, rank with a text query), image and
 *     caption pairs (match), or candidate texts (rank with an image query)
 * @param labels classify: the labels
 * @param template classify: the prompt template; empty for the server's default
 * @param topK classify and rank: how many results to keep; 0 for all
 * @param queryText rank: a text query
 * @param queryImage rank: an image file as the query
 * @param rerank rank: how many of the best candidates to rerank by match probability
 */
record UnderstandOptions(
    CallOptions call,
    List<String> inputs,
    List<String> labels,
    String template,
    int topK,
    Optional<String> queryText,
    Optional<String> queryImage,
    int rerank) {

  static final String CLASSIFY_USAGE =
      "classify IMAGE... --labels \"red circle,blue square\" [--template \"a photo of a {}\"]"
          + " [--top-k K]";
  static final String MATCH_USAGE = "match IMAGE \"caption\" [IMAGE \"caption\" ...]";
  static final String RANK_USAGE =
      "rank --query-text TEXT IMAGE...  |  rank --query-image IMAGE TEXT...  [--rerank K]"
          + " [--top-k K]";

  static UnderstandOptions parseClassify(List<String> args, Map<String, String> env) {
    CommandLine line = parse(args, "--labels", "--template", "--top-k");
    if (line.positionals().isEmpty()) {
      throw new UsageException("give at least one image file");
    }
    String labels =
        line.value("--labels")
            .orElseThrow(() -> new UsageException("give the labels: --labels \"a,b,c\""));
    List<String> split = Arrays.stream(labels.split(",")).map(String::trim).toList();
    return new UnderstandOptions(
        CallOptions.from(line, env),
        line.positionals(),
        split,
        line.value("--template").orElse(""),
        line.intValue("--top-k", 0, 0, 1_000_000),
        Optional.empty(),
        Optional.empty(),
        0);
  }

  static UnderstandOptions parseMatch(List<String> args, Map<String, String> env) {
    CommandLine line = parse(args);
    if (line.positionals().isEmpty() || line.positionals().size() % 2 != 0) {
      throw new UsageException("give image and caption pairs: " + MATCH_USAGE);
    }
    return new UnderstandOptions(
        CallOptions.from(line, env),
        line.positionals(),
        List.of(),
        "",
        0,
        Optional.empty(),
        Optional.empty(),
        0);
  }

  static UnderstandOptions parseRank(List<String> args, Map<String, String> env) {
    CommandLine line = parse(args, "--query-text", "--query-image", "--rerank", "--top-k");
    Optional<String> text = line.value("--query-text");
    Optional<String> image = line.value("--query-image");
    if (text.isPresent() == image.isPresent()) {
      throw new UsageException("give exactly one of --query-text TEXT and --query-image FILE");
    }
    if (line.positionals().isEmpty()) {
      throw new UsageException(
          "give at least one candidate (" + (text.isPresent() ? "image file" : "text") + ")");
    }
    return new UnderstandOptions(
        CallOptions.from(line, env),
        line.positionals(),
        List.of(),
        "",
        line.intValue("--top-k", 0, 0, 1_000_000),
        text,
        image,
        line.intValue("--rerank", 0, 0, 1_000_000));
  }

  private static CommandLine parse(List<String> args, String... valueOptions) {
    Set<String> values = new HashSet<>(CallOptions.VALUE_OPTIONS);
    values.addAll(new ArrayList<>(List.of(valueOptions)));
    return CommandLine.parse(args, values, CallOptions.FLAG_OPTIONS);
  }
}
