package io.mmserve.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options every client command shares: where the gateway is, which model, JSON or readable
 * output, the call's deadline and the API key (never shown by {@code toString}).
 *
 * @param target the gateway's address
 * @param model model pack name; empty for the gateway's default
 * @param json print JSON instead of readable lines
 * @param timeout the call's deadline
 * @param apiKey the key sent with each call, if any
 * @param caFile CA certificates to trust over TLS ({@link GatewayChannel}); empty: plaintext
 */
record CallOptions(
    String target,
    String model,
    boolean json,
    Duration timeout,
    ApiKeyOption apiKey,
    Optional<Path> caFile) {
  /** The value options every client command accepts. */
  static final Set<String> VALUE_OPTIONS =
      Set.of(
          "--target", "--model", "--timeout", ApiKeyOption.OPTION, GatewayChannel.CA_FILE_OPTION);

  /** The flag options every client command accepts. */
  static final Set<String> FLAG_OPTIONS = Set.of("--json");

  static CallOptions from(CommandLine line, Map<String, String> env) {
    return new CallOptions(
        line.value("--target")
            .orElseGet(
                () -> env.getOrDefault(EmbedOptions.TARGET_ENV, EmbedOptions.DEFAULT_TARGET)),
        line.value("--model").orElse(""),
        line.flag("--json"),
        line.durationValue("--timeout", EmbedOptions.DEFAULT_TIMEOUT),
        ApiKeyOption.from(line, env),
        GatewayChannel.caFile(line, env));
  }

  /** A client over {@code channel} with this deadline and API key. */
  io.mmserve.client.MmserveClient client(io.grpc.Channel channel) {
    return apiKey.client(channel, timeout);
  }
}
