package io.mmserve.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The arguments of one command: options that take a value ({@code --target host:port} or {@code
 * --target=host:port}), flags ({@code --json}) and positional arguments, in any order. {@code --}
 * ends the options, so a text starting with {@code --} can still be given. Unknown options are a
 * {@link UsageException}; a repeated option keeps its last value for {@link #value(String)}, and
 * every value, in order, for {@link #values(String)}.
 */
final class CommandLine {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");

  private final List<String> positionals;
  private final Map<String, List<String>> values;
  private final Set<String> flags;

  private CommandLine(
      List<String> positionals, Map<String, List<String>> values, Set<String> flags) {
    this.positionals = List.copyOf(positionals);
    Map<String, List<String>> copy = new HashMap<>();
    values.forEach((name, all) -> copy.put(name, List.copyOf(all)));
    this.values = Map.copyOf(copy);
    this.flags = Set.copyOf(flags);
  }

  /**
   * Parses {@code args}.
   *
   * @param valueOptions names (with the leading {@code --}) of options that take a value
   * @param flagOptions names of options that take none
   * @throws UsageException on an unknown option, a missing value, or a value given to a flag
   */
  static CommandLine parse(List<String> args, Set<String> valueOptions, Set<String> flagOptions) {
    List<String> positionals = new ArrayList<>();
    Map<String, List<String>> values = new HashMap<>();
    Set<String> flags = new HashSet<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--")) {
        positionals.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (!arg.startsWith("--")) {
        positionals.add(arg);
        continue;
      }
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(0, eq) : arg;
      if (valueOptions.contains(name)) {
        List<String> given = values.computeIfAbsent(name, n -> new ArrayList<>());
        if (eq > 0) {
          given.add(arg.substring(eq + 1));
        } else if (i + 1 < args.size()) {
          given.add(args.get(++i));
        } else {
          throw new UsageException(name + " needs a value");
        }
      } else if (flagOptions.contains(name)) {
        if (eq > 0) {
          throw new UsageException(name + " takes no value, but was given '" + arg + "'");
        }
        flags.add(name);
      } else {
        throw new UsageException("unknown option " + name);
      }
    }
    return new CommandLine(positionals, values, flags);
  }

  List<String> positionals() {
    return positionals;
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  /** The last value given to an option. */
  Optional<String> value(String name) {
    List<String> all = values(name);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** Every value given to a repeatable option, in the order given; empty if none. */
  List<String> values(String name) {
    return values.getOrDefault(name, List.of());
  }

  /** The integer value of an option, or {@code fallback}; must lie in {@code min..max}. */
  int intValue(String name, int fallback, int min, int max) {
    Optional<String> raw = value(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    int value;
    try {
      value = Integer.parseInt(raw.get());
    } catch (NumberFormatException e) {
      throw new UsageException(name + " must be an integer, but was '" + raw.get() + "'");
    }
    if (value < min || value > max) {
      throw new UsageException(name + " must be in " + min + ".." + max + ", but was " + value);
    }
    return value;
  }

  /** A duration such as {@code 500ms}, {@code 30s} or {@code 2m}, or {@code fallback}. */
  Duration durationValue(String name, Duration fallback) {
    Optional<String> raw = value(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    Matcher m = DURATION.matcher(raw.get().trim());
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new UsageException(
          name + " must be a positive duration like 500ms, 30s or 2m, but was '" + raw.get() + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      default -> Duration.ofMinutes(n);
    };
  }
}
