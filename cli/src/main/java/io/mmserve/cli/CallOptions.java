package io.mmserve.cli;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The options every client command shares: where the gateway is, which model, JSON or readable
 * output, and the call's deadline.
 *
 * @param target the gateway's address
 * @param model model pack name; empty for the gateway's default
 * @param json print JSON instead of readable lines
 * @param timeout the call's deadline
 */
record CallOptions(String target, String model, boolean json, Duration timeout) {
  /** The value options every client command accepts. */
  static final Set<String> VALUE_OPTIONS = Set.of("--target", "--model", "--timeout");

  /** The flag options every client command accepts. */
  static final Set<String> FLAG_OPTIONS = Set.of("--json");

  static CallOptions from(CommandLine line, Map<String, String> env) {
    return new CallOptions(
        line.value("--target")
            .orElseGet(
                () -> env.getOrDefault(EmbedOptions.TARGET_ENV, EmbedOptions.DEFAULT_TARGET)),
        line.value("--model").orElse(""),
        line.flag("--json"),
        line.durationValue("--timeout", EmbedOptions.DEFAULT_TIMEOUT));
  }
}
