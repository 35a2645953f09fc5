package io.mmserve.inference.onnx;

import io.mmserve.kit.config.Config;
import java.util.Locale;
import java.util.Map;

/**
 * Thread and optimisation settings for ONNX Runtime sessions.
 *
 * @param intraOpThreads threads one operator may use; 0 lets ONNX Runtime choose (one per core)
 * @param interOpThreads threads running independent operators in parallel; 0 lets ONNX Runtime
 *     choose
 * @param optimization graph optimisation level
 * @param allowSpinning whether idle intra-op threads spin-wait for work (ONNX Runtime's own
 *     default) instead of sleeping: spinning trims microseconds off a call on dedicated cores, but
 *     burns CPU that the tokenizer, the image decoder, gRPC and other processes on the same cores
 *     need (and Kubernetes CPU quota), so it is off by default
 * @param cpuArena whether the session allocates its tensors from ONNX Runtime's CPU arena, which
 *     keeps every block it ever took (sized for the largest batch so far, rounded up to powers of
 *     two) instead of returning freed memory to the system
 * @param memoryPattern whether the session plans one allocation per input shape for the tensors of
 *     a run (memory pattern); plans are kept per shape
 */
public record OnnxRuntimeConfig(
    int intraOpThreads,
    int interOpThreads,
    Optimization optimization,
    boolean allowSpinning,
    boolean cpuArena,
    boolean memoryPattern) {
  public static final String INTRA_OP_THREADS = "onnxruntime.intra-op-threads";
  public static final String INTER_OP_THREADS = "onnxruntime.inter-op-threads";
  public static final String OPTIMIZATION = "onnxruntime.optimization";
  public static final String ALLOW_SPINNING = "onnxruntime.allow-spinning";
  public static final String CPU_ARENA = "onnxruntime.cpu-arena";
  public static final String MEMORY_PATTERN = "onnxruntime.memory-pattern";

  public static final int DEFAULT_INTRA_OP_THREADS = 0;
  public static final int DEFAULT_INTER_OP_THREADS = 1;
  public static final Optimization DEFAULT_OPTIMIZATION = Optimization.ALL;
  public static final boolean DEFAULT_ALLOW_SPINNING = false;
  public static final boolean DEFAULT_CPU_ARENA = true;
  public static final boolean DEFAULT_MEMORY_PATTERN = true;

  private static final int MAX_THREADS = 1024;

  /** Graph optimisation levels, as ONNX Runtime names them. */
  public enum Optimization {
    NONE,
    BASIC,
    EXTENDED,
    ALL
  }

  public OnnxRuntimeConfig {
    checkThreads("intraOpThreads", intraOpThreads);
    checkThreads("interOpThreads", interOpThreads);
    if (optimization == null) {
      throw new IllegalArgumentException("optimization must be set");
    }
  }

  /** Settings with spinning off and the default memory settings. */
  public OnnxRuntimeConfig(int intraOpThreads, int interOpThreads, Optimization optimization) {
    this(
        intraOpThreads,
        interOpThreads,
        optimization,
        DEFAULT_ALLOW_SPINNING,
        DEFAULT_CPU_ARENA,
        DEFAULT_MEMORY_PATTERN);
  }

  /** The defaults. */
  public static OnnxRuntimeConfig defaults() {
    return new OnnxRuntimeConfig(
        DEFAULT_INTRA_OP_THREADS, DEFAULT_INTER_OP_THREADS, DEFAULT_OPTIMIZATION);
  }

  /** The settings and their defaults, to merge into a service's config defaults. */
  public static Map<String, String> defaultSettings() {
    return Map.of(
        INTRA_OP_THREADS, Integer.toString(DEFAULT_INTRA_OP_THREADS),
        INTER_OP_THREADS, Integer.toString(DEFAULT_INTER_OP_THREADS),
        OPTIMIZATION, DEFAULT_OPTIMIZATION.name().toLowerCase(Locale.ROOT),
        ALLOW_SPINNING, Boolean.toString(DEFAULT_ALLOW_SPINNING),
        CPU_ARENA, Boolean.toString(DEFAULT_CPU_ARENA),
        MEMORY_PATTERN, Boolean.toString(DEFAULT_MEMORY_PATTERN));
  }

  /** Reads and validates the settings. */
  public static OnnxRuntimeConfig from(Config config) {
    return new OnnxRuntimeConfig(
        config.getInt(INTRA_OP_THREADS, 0, MAX_THREADS),
        config.getInt(INTER_OP_THREADS, 0, MAX_THREADS),
        config.getEnum(OPTIMIZATION, Optimization.class),
        config.getBoolean(ALLOW_SPINNING),
        config.getBoolean(CPU_ARENA),
        config.getBoolean(MEMORY_PATTERN));
  }

  private static void checkThreads(String name, int value) {
    if (value < 0 || value > MAX_THREADS) {
      throw new IllegalArgumentException(
          name + " must be in 0.." + MAX_THREADS + ", but was " + value);
    }
  }
}
