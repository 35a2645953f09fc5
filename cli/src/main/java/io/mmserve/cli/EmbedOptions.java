package io.mmserve.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code embed-text} and {@code embed-image}.
 *
 * @param inputs the texts, or the image files
 * @param target the gateway's address
 * @param model model pack name; empty for the gateway's default
 * @param json print JSON instead of readable lines
 * @param skipNormalization ask for embeddings exactly as the model computes them
 * @param timeout the call's deadline
 * @param apiKey the key sent with the call, if any
 * @param caFile CA certificates to trust over TLS ({@link GatewayChannel}); empty: plaintext
 */
record EmbedOptions(
    List<String> inputs,
    String target,
    String model,
    boolean json,
    boolean skipNormalization,
    Duration timeout,
    ApiKeyOption apiKey,
    Optional<Path> caFile) {

  /** Where the gateway listens unless {@code --target} or {@value #TARGET_ENV} says otherwise. */
  static final String DEFAULT_TARGET = "127.0.0.1:50051";

  /** The environment variable naming the gateway when {@code --target} is not given. */
  static final String TARGET_ENV = "MMSERVE_TARGET";

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  static final String USAGE_OPTIONS =
      "options: --json  --target HOST:PORT (default "
          + DEFAULT_TARGET
          + ", or $"
          + TARGET_ENV
          + ")  --model NAME  --skip-normalization  --timeout 30s  "
          + ApiKeyOption.USAGE
          + "  "
          + GatewayChannel.USAGE;

  /**
   * Parses the arguments after the command name.
   *
   * @param what "text" or "image file", for the message when no input is given
   * @throws UsageException when an option is wrong or no input is given
   */
  static EmbedOptions parse(List<String> args, Map<String, String> env, String what) {
    CommandLine line =
        CommandLine.parse(
            args,
            Set.of(
                "--target",
                "--model",
                "--timeout",
                ApiKeyOption.OPTION,
                GatewayChannel.CA_FILE_OPTION),
            Set.of("--json", "--skip-normalization"));
    if (line.positionals().isEmpty()) {
      throw new UsageException("give at least one " + what);
    }
    String target =
        line.value("--target").orElseGet(() -> env.getOrDefault(TARGET_ENV, DEFAULT_TARGET));
    return new EmbedOptions(
        line.positionals(),
        target,
        line.value("--model").orElse(""),
        line.flag("--json"),
        line.flag("--skip-normalization"),
        line.durationValue("--timeout", DEFAULT_TIMEOUT),
        ApiKeyOption.from(line, env),
        GatewayChannel.caFile(line, env));
  }
}
