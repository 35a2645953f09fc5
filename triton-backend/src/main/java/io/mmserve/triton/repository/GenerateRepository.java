package io.mmserve.triton.repository;

import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.kserve.v2.ModelInstanceGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Command line: writes a Triton model repository for a model pack.
 *
 * <pre>
 * java -cp text-encoder-svc/target/text-encoder-svc.jar \
 *     io.mmserve.triton.repository.GenerateRepository --pack=models/shapes-clip --out=/models \
 *     [--model-prefix=P] [--precision=fp32|int8] [--max-batch-size=32] [--preferred=8,16,32] \
 *     [--queue-delay-us=500] [--instance-kind=gpu|cpu] [--instances=1] [--version=1]
 * </pre>
 *
 * Exits with status 2 on a bad argument, 1 when the pack cannot be read or the files written.
 */
public final class GenerateRepository {
  private GenerateRepository() {}

  public static void main(String[] args) {
    Map<String, String> flags = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        System.exit(usage("arguments are --key=value, but got '" + arg + "'"));
        return;
      }
      flags.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    RepositoryOptions defaults = RepositoryOptions.defaults();
    RepositoryOptions options;
    Path pack;
    Path out;
    try {
      pack = Path.of(required(flags, "pack"));
      out = Path.of(required(flags, "out"));
      int maxBatch = Integer.parseInt(flags.getOrDefault("max-batch-size", "32"));
      List<Integer> preferred =
          flags.containsKey("preferred")
              ? Arrays.stream(flags.get("preferred").split(","))
                  .map(String::strip)
                  .map(Integer::parseInt)
                  .toList()
              : defaults.preferredBatchSizes().stream().filter(s -> s <= maxBatch).toList();
      options =
          new RepositoryOptions(
              flags.getOrDefault("model-prefix", ""),
              ModelPrecision.valueOf(
                  flags.getOrDefault("precision", "fp32").toUpperCase(Locale.ROOT)),
              maxBatch,
              preferred,
              Long.parseLong(flags.getOrDefault("queue-delay-us", "500")),
              ModelInstanceGroup.Kind.valueOf(
                  "KIND_" + flags.getOrDefault("instance-kind", "gpu").toUpperCase(Locale.ROOT)),
              Integer.parseInt(flags.getOrDefault("instances", "1")),
              Integer.parseInt(flags.getOrDefault("version", "1")));
    } catch (IllegalArgumentException e) {
      System.exit(usage(e.getMessage()));
      return;
    }
    try {
      for (Path model : new ModelRepositoryGenerator(options).write(ModelPack.load(pack), out)) {
        System.out.println("wrote " + model);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("generate-repository: " + e.getMessage());
      System.exit(1);
    }
  }

  private static String required(Map<String, String> flags, String key) {
    String value = flags.get(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--" + key + "=... is required");
    }
    return value;
  }

  /** Prints the problem and the usage; returns the exit status for them. */
  private static int usage(String problem) {
    System.err.println("generate-repository: " + problem);
    System.err.println(
        "usage: --pack=DIR --out=DIR [--model-prefix=P] [--precision=fp32|int8]"
            + " [--max-batch-size=32] [--preferred=8,16,32] [--queue-delay-us=500]"
            + " [--instance-kind=gpu|cpu] [--instances=1] [--version=1]");
    return 2;
  }
}
