package io.mmserve.fusion;

import io.mmserve.fusion.model.FusionLimits;
import io.mmserve.inference.pack.PackDirectories;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.server.ServerConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * fusion-svc's own settings, beside the shared {@link ServerConfig}.
 *
 * @param packs the model pack directories, absolute; the first is the default model
 * @param limits per-request limits
 * @param matchThreads how many threads one Match request may use, the gRPC thread included
 */
public record FusionConfig(List<Path> packs, FusionLimits limits, int matchThreads) {
  public static final String MODEL_PACKS = PackDirectories.KEY;
  public static final String MAX_LABELS = "limits.max-labels";
  public static final String MAX_PAIRS = "limits.max-pairs";
  public static final String MAX_SCORE_CELLS = "limits.max-score-cells";
  public static final String MATCH_THREADS = "match.threads";

  public static final int DEFAULT_GRPC_PORT = 50054;
  public static final int DEFAULT_ADMIN_PORT = 9094;
  public static final String DEFAULT_MODEL_PACKS = PackDirectories.DEFAULT;
  public static final int DEFAULT_MATCH_THREADS = 1;

  private static final int MAX_LABELS_LIMIT = 1_000_000;
  private static final int MAX_PAIRS_LIMIT = 100_000;
  private static final long MAX_SCORE_CELLS_LIMIT = 100_000_000L;
  private static final int MAX_THREADS = 256;

  public FusionConfig {
    packs = List.copyOf(packs);
  }

  /** Every setting of the service with its default, the shared ones included. */
  public static Map<String, String> defaults() {
    Map<String, String> defaults =
        new HashMap<>(ServerConfig.defaults(DEFAULT_GRPC_PORT, DEFAULT_ADMIN_PORT));
    defaults.put(MODEL_PACKS, DEFAULT_MODEL_PACKS);
    defaults.put(MAX_LABELS, Integer.toString(FusionLimits.DEFAULT_MAX_LABELS));
    defaults.put(MAX_PAIRS, Integer.toString(FusionLimits.DEFAULT_MAX_PAIRS));
    defaults.put(MAX_SCORE_CELLS, Long.toString(FusionLimits.DEFAULT_MAX_SCORE_CELLS));
    defaults.put(MATCH_THREADS, Integer.toString(DEFAULT_MATCH_THREADS));
    return Map.copyOf(defaults);
  }

  /**
   * Reads and validates the settings; pack directories are resolved against the working directory.
   */
  public static FusionConfig from(Config config) {
    List<Path> packs = PackDirectories.from(config);
    return new FusionConfig(
        packs,
        new FusionLimits(
            config.getInt(MAX_LABELS, 1, MAX_LABELS_LIMIT),
            config.getInt(MAX_PAIRS, 1, MAX_PAIRS_LIMIT),
            config.getLong(MAX_SCORE_CELLS, 1, MAX_SCORE_CELLS_LIMIT)),
        config.getInt(MATCH_THREADS, 1, MAX_THREADS));
  }
}
