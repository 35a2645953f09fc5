package io.mmserve.kubernetes;

import java.util.ArrayList;
import java.util.List;

/**
 * Chart values as helm gives them: {@code --set key=value} arguments over the chart's values.yaml,
 * and the API versions {@code helm template} should assume the cluster serves ({@code
 * --api-versions}; a real install asks the cluster instead).
 */
record Values(List<String> helmArgs, List<String> apiVersions) {
  /** The chart's own values.yaml. */
  static final Values DEFAULTS = new Values(List.of(), List.of());

  Values {
    helmArgs = List.copyOf(helmArgs);
    apiVersions = List.copyOf(apiVersions);
  }

  /** These values with {@code --set} of each {@code key=value}. */
  Values set(String... keyValues) {
    List<String> args = new ArrayList<>(helmArgs);
    for (String keyValue : keyValues) {
      args.add("--set");
      args.add(keyValue);
    }
    return new Values(args, apiVersions);
  }

  /** These values with {@code file} (YAML) over them. */
  Values file(java.nio.file.Path file) {
    List<String> args = new ArrayList<>(helmArgs);
    args.add("--values");
    args.add(file.toString());
    return new Values(args, apiVersions);
  }

  /** These values, rendered as if the cluster served {@code groupVersionKind} (g/v/Kind). */
  Values assumingApi(String groupVersionKind) {
    List<String> versions = new ArrayList<>(apiVersions);
    versions.add(groupVersionKind);
    return new Values(helmArgs, versions);
  }
}
