package io.mmserve.kit.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Builds a {@link Config} from four layers, each overriding the one before:
 *
 * <ol>
 *   <li>the service's defaults (its named constants, given as a map; they also define which
 *       settings exist);
 *   <li>a {@code key=value} file named by {@code --config PATH} (or {@code --config=PATH}), else by
 *       the {@value #CONFIG_ENV} environment variable; {@code #} starts a comment line;
 *   <li>environment variables {@code MMSERVE_*}: the setting name upper-cased with every {@code .}
 *       and {@code -} turned into {@code _} ({@code MMSERVE_GRPC_PORT} sets {@code grpc.port});
 *   <li>flags {@code --key=value}.
 * </ol>
 *
 * A setting that is not among the defaults is an error in a file or a flag (a typo must not pass
 * silently); unknown {@code MMSERVE_*} variables are ignored, since one environment may serve
 * several services. The environment is passed in, so tests never read the real one.
 */
public final class ConfigLoader {
  /** The flag naming the config file. */
  public static final String CONFIG_FLAG = "--config";

  /** The environment variable naming the config file when the flag is absent. */
  public static final String CONFIG_ENV = "MMSERVE_CONFIG";

  /** The prefix of environment variables that set settings. */
  public static final String ENV_PREFIX = "MMSERVE_";

  private ConfigLoader() {}

  /**
   * Loads the config.
   *
   * @param defaults every known setting with its default value ("" for no default)
   * @param args the command-line arguments
   * @param env the environment, usually {@code System.getenv()}
   * @throws ConfigException on an unknown setting, a malformed argument or an unreadable file
   */
  public static Config load(
      Map<String, String> defaults, List<String> args, Map<String, String> env) {
    Map<String, Setting> settings = new HashMap<>();
    defaults.forEach((k, v) -> settings.put(k, new Setting(v, "default")));

    Flags flags = Flags.parse(args);
    Optional<Path> file =
        flags.configFile().or(() -> Optional.ofNullable(env.get(CONFIG_ENV)).map(Path::of));
    if (file.isPresent()) {
      readFile(file.get()).forEach((k, s) -> settings.put(known(defaults, k, s), s));
    }
    Map<String, String> envNames = new HashMap<>();
    defaults.keySet().forEach(k -> envNames.put(envName(k), k));
    env.forEach(
        (name, value) -> {
          String key = envNames.get(name);
          if (key != null) {
            settings.put(key, new Setting(value, "env " + name));
          }
        });
    flags.values().forEach((k, s) -> settings.put(known(defaults, k, s), s));
    return new Config(settings);
  }

  /** {@link #load(Map, List, Map)} for a {@code main} method's arguments. */
  public static Config load(Map<String, String> defaults, String[] args, Map<String, String> env) {
    return load(defaults, List.of(args), env);
  }

  /** The environment variable that sets {@code key}: {@code grpc.max-x} is MMSERVE_GRPC_MAX_X. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  private static String known(Map<String, String> defaults, String key, Setting setting) {
    if (!defaults.containsKey(key)) {
      throw new ConfigException(
          "unknown setting '"
              + key
              + "' (from "
              + setting.source()
              + "); known settings: "
              + String.join(", ", new TreeSet<>(defaults.keySet())));
    }
    return key;
  }

  static Map<String, Setting> readFile(Path path) {
    List<String> lines;
    try {
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + path + ": " + e);
    }
    Map<String, Setting> out = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "file " + path + ":" + (i + 1);
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(where + ": expected key=value, but was '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      if (out.containsKey(key)) {
        throw new ConfigException(where + ": " + key + " is set twice");
      }
      out.put(key, new Setting(line.substring(eq + 1).strip(), where));
    }
    return out;
  }

  /** The parsed command line: the config file flag and the {@code --key=value} settings. */
  private record Flags(Optional<Path> configFile, Map<String, Setting> values) {
    static Flags parse(List<String> args) {
      Optional<Path> configFile = Optional.empty();
      Map<String, Setting> values = new LinkedHashMap<>();
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        if (arg.equals(CONFIG_FLAG)) {
          if (i + 1 >= args.size()) {
            throw new ConfigException(CONFIG_FLAG + " must be followed by a file path");
          }
          configFile = Optional.of(Path.of(args.get(++i)));
        } else if (arg.startsWith(CONFIG_FLAG + "=")) {
          configFile = Optional.of(Path.of(arg.substring(CONFIG_FLAG.length() + 1)));
        } else if (arg.startsWith("--") && arg.indexOf('=') > 2) {
          int eq = arg.indexOf('=');
          String key = arg.substring(2, eq);
          values.put(key, new Setting(arg.substring(eq + 1), "flag --" + key));
        } else {
          throw new ConfigException("arguments must be --key=value, but was '" + arg + "'");
        }
      }
      return new Flags(configFile, values);
    }
  }
}
