package io.mmserve.kubernetes;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One service's settings file as the chart writes it into its settings ConfigMap ({@code
 * <component>.conf}): the keys the chart sets itself, then, after the line {@code # <values
 * key>.config}, the ones that come from the component's {@code config} values.
 *
 * @param chartOwned the keys the chart sets (values a user cannot set through {@code config})
 * @param fromConfig the keys from {@code config} (and defaults the chart adds to it)
 */
record SettingsFile(Map<String, String> chartOwned, Map<String, String> fromConfig) {
  SettingsFile {
    chartOwned = Map.copyOf(chartOwned);
    fromConfig = Map.copyOf(fromConfig);
  }

  /** The settings file of {@code component} (gateway, text-encoder, ...) in a rendered chart. */
  static SettingsFile of(Manifest manifest, String component) {
    Manifest.KubeObject configMap =
        manifest.ofKind("ConfigMap").stream()
            .filter(c -> c.name().endsWith("-settings"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no settings ConfigMap in " + manifest));
    String text = configMap.string("data", component + ".conf");
    if (text == null) {
      throw new AssertionError(configMap + " has no " + component + ".conf");
    }
    return parse(text);
  }

  static SettingsFile parse(String text) {
    Map<String, String> owned = new LinkedHashMap<>();
    Map<String, String> config = new LinkedHashMap<>();
    Map<String, String> current = owned;
    for (String line : text.lines().map(String::strip).toList()) {
      if (line.startsWith("#")) {
        if (line.endsWith(".config")) {
          current = config;
        }
        continue;
      }
      if (line.isEmpty()) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new AssertionError("not key=value: '" + line + "' in\n" + text);
      }
      current.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return new SettingsFile(owned, config);
  }

  /** Every key and value of the file. */
  Map<String, String> all() {
    Map<String, String> all = new LinkedHashMap<>(chartOwned);
    all.putAll(fromConfig);
    return all;
  }
}
