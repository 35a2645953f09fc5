package io.mmserve.cli;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The {@code mmserve} command. {@code ./mmserve} builds the jars when they are missing and runs
 * this class; it passes the checkout's path as the system property {@value #HOME_PROPERTY}.
 *
 * <p>Exit codes: 0 success, 1 the command failed, 2 the command line is wrong.
 */
public final class Main {
  /** The system property naming the mmserve checkout. */
  static final String HOME_PROPERTY = "mmserve.home";

  static final int USAGE_ERROR = 2;

  static final String USAGE =
      String.join(
          "\n",
          "usage: mmserve COMMAND [OPTIONS]",
          "  up                   start the local stack (gateway, encoders, fusion, gallery)",
          "                       " + UpOptions.USAGE_OPTIONS,
          "  embed-text TEXT...   embed texts through the gateway",
          "  embed-image FILE...  embed image files (JPEG, PNG) through the gateway",
          "                       " + EmbedOptions.USAGE_OPTIONS,
          "  " + UnderstandOptions.CLASSIFY_USAGE,
          "                       zero-shot classification of image files over labels",
          "  " + UnderstandOptions.MATCH_USAGE,
          "                       the cross-modal match probability of each pair",
          "  " + UnderstandOptions.RANK_USAGE,
          "                       candidates by similarity to the query, the best K reranked",
          "  " + IndexOptions.USAGE,
          "                       upsert a folder's image files into a gallery collection",
          "  " + SearchOptions.USAGE,
          "                       the collection's items nearest to a text or an image",
          "                       options: --json  --target HOST:PORT  --model NAME  --timeout 30s"
              + "  --ca-file FILE",
          "                       " + ApiKeyOption.USAGE + ": every client command",
          "  " + RolloutCommand.USAGE,
          "                       a ModelRollout's status, or pause/resume/promote/abort it"
              + " (Kubernetes; docs/kubernetes.md#canary-rollouts)",
          "  " + KeysCommand.USAGE,
          "                       a new API key for the gateway: printed once, its hash appended"
              + " to FILE (default "
              + KeysCommand.DEFAULT_FILE
              + "; pass it to up --api-keys)");

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(Arrays.asList(args), System.getenv(), System.out, System.err));
  }

  /** Runs one command; returns its exit code. */
  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err)
      throws InterruptedException {
    if (args.isEmpty()) {
      err.println(USAGE);
      return USAGE_ERROR;
    }
    String command = args.get(0);
    List<String> rest = args.subList(1, args.size());
    try {
      switch (command) {
        case "up" -> {
          Path home = home();
          return new UpCommand(home, javaCommand(), out, err).run(UpOptions.parse(rest, home));
        }
        case "embed-text" -> {
          return new EmbedCommand(out, err).embedText(EmbedOptions.parse(rest, env, "text"));
        }
        case "embed-image" -> {
          return new EmbedCommand(out, err).embedImage(EmbedOptions.parse(rest, env, "image file"));
        }
        case "classify" -> {
          return new UnderstandCommand(out, err)
              .classify(UnderstandOptions.parseClassify(rest, env));
        }
        case "match" -> {
          return new UnderstandCommand(out, err).match(UnderstandOptions.parseMatch(rest, env));
        }
        case "rank" -> {
          return new UnderstandCommand(out, err).rank(UnderstandOptions.parseRank(rest, env));
        }
        case "index" -> {
          return new IndexCommand(out, err).run(IndexOptions.parse(rest, env));
        }
        case "search" -> {
          return new SearchCommand(out, err).run(SearchOptions.parse(rest, env));
        }
        case "rollout" -> {
          return new RolloutCommand(out, err).run(rest, env);
        }
        case "keys" -> {
          return new KeysCommand(out, err).run(rest, home());
        }
        case "help", "-h", "--help" -> {
          out.println(USAGE);
          return 0;
        }
        default -> throw new UsageException("unknown command '" + command + "'");
      }
    } catch (UsageException e) {
      err.println("mmserve " + command + ": " + e.getMessage());
      err.println(USAGE);
      return USAGE_ERROR;
    }
  }

  /**
   * The mmserve checkout: the {@value #HOME_PROPERTY} property, else the folder three levels above
   * this jar ({@code <home>/cli/target/cli.jar}), else the working directory.
   */
  static Path home() {
    String property = System.getProperty(HOME_PROPERTY);
    if (property != null && !property.isBlank()) {
      return Path.of(property).toAbsolutePath().normalize();
    }
    CodeSource source = Main.class.getProtectionDomain().getCodeSource();
    if (source != null) {
      try {
        Path jar = Path.of(source.getLocation().toURI());
        Path target = jar.getParent();
        if (Files.isRegularFile(jar)
            && target != null
            && target.getFileName().toString().equals("target")
            && target.getParent() != null
            && target.getParent().getParent() != null) {
          return target.getParent().getParent().toAbsolutePath().normalize();
        }
      } catch (URISyntaxException | IllegalArgumentException e) {
        // not a file on disk: fall back to the working directory
      }
    }
    return Path.of("").toAbsolutePath();
  }

  /** The java executable of this JVM, so the services run on the same one. */
  static String javaCommand() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
