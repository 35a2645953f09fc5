package io.mmserve.bench;

import io.mmserve.fusion.model.FusionEngine;
import io.mmserve.fusion.model.FusionLimits;
import io.mmserve.fusion.model.MatchKernels;
import io.mmserve.fusion.model.TensorInput;
import io.mmserve.inference.BackendModel;
import io.mmserve.inference.DType;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.testsupport.Npy;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The match head (cross-modal attention, LayerNorm, masked mean, MLP) on 32 image-text pairs of the
 * bundled pack's reference features: fusion-svc's Java code on its Vector API kernels ({@code
 * javaVector}) and on its scalar kernels ({@code javaScalar}: the code before the Vector API, the
 * baseline, and the fallback without the module) against ONNX Runtime running the pack's
 * fusion.onnx in-process with the same thread count ({@code threads}: Java match threads, ORT
 * intra-op threads). Score: microseconds per 32 pairs. bench/fusion_match.sh runs the three in
 * rounds.
 *
 * <p>{@code images=distinct} gives every pair its own image (reference images with a tiny per-pair
 * change, so no keys and values can be shared); {@code images=one} matches one image against 32
 * texts, where the Java head projects the image's keys and values once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx512m", "--add-modules=jdk.incubator.vector"})
public class FusionMatchBenchmark {
  private static final int PAIRS = 32;

  @Param({"1", "2"})
  public int threads;

  @Param({"distinct", "one"})
  public String images;

  private FusionEngine vectorEngine;
  private FusionEngine scalarEngine;
  private OnnxRuntimeBackend onnx;
  private TensorInput tokens;
  private TensorInput mask;
  private TensorInput patches;
  private Map<String, Tensor> onnxInputs;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    ModelPack pack = ModelPack.load(RepoFiles.modelPack());
    Npy.Array t = Npy.read(RepoFiles.modelPack().resolve("reference/arrays/token_features.npy"));
    Npy.Array m = Npy.read(RepoFiles.modelPack().resolve("reference/arrays/attention_mask.npy"));
    Npy.Array p = Npy.read(RepoFiles.modelPack().resolve("reference/arrays/patch_features.npy"));
    int length = (int) t.shape()[1];
    int width = (int) t.shape()[2];
    int patchCount = (int) p.shape()[1];
    int captions = (int) t.shape()[0];
    int imageCount = (int) p.shape()[0];
    float[] tv = new float[PAIRS * length * width];
    long[] mv = new long[PAIRS * length];
    float[] pv = new float[PAIRS * patchCount * width];
    int patchValues = patchCount * width;
    for (int n = 0; n < PAIRS; n++) {
      int c = n % captions;
      int i = images.equals("one") ? 0 : n % imageCount;
      System.arraycopy(t.floats(), c * length * width, tv, n * length * width, length * width);
      System.arraycopy(m.longs(), c * length, mv, n * length, length);
      System.arraycopy(p.floats(), i * patchValues, pv, n * patchValues, patchValues);
      if (images.equals("distinct")) {
        pv[n * patchValues] += n * 1e-6f; // a different image per pair
      }
    }
    long[] tShape = {PAIRS, length, width};
    long[] mShape = {PAIRS, length};
    long[] pShape = {PAIRS, patchCount, width};
    tokens = new TensorInput("token_features", Tensor.ofFloats(tv, tShape));
    mask = new TensorInput("attention_mask", Tensor.ofLongs(mv, mShape));
    patches = new TensorInput("patch_features", Tensor.ofFloats(pv, pShape));
    onnxInputs =
        Map.of(
            "token_features", tokens.tensor(),
            "attention_mask", mask.tensor(),
            "patch_features", patches.tensor());

    ModelRegistry registry = new ModelRegistry(List.of(pack));
    vectorEngine =
        new FusionEngine(registry, FusionLimits.defaults(), threads, MatchKernels.VECTOR);
    scalarEngine =
        new FusionEngine(registry, FusionLimits.defaults(), threads, MatchKernels.SCALAR);
    onnx =
        OnnxRuntimeBackend.open(
            new OnnxRuntimeConfig(threads, 1, OnnxRuntimeConfig.Optimization.ALL),
            List.of(fusionModel(pack)));
  }

  private static BackendModel fusionModel(ModelPack pack) {
    var fusion = pack.manifest().fusion().orElseThrow();
    return new BackendModel(
        "fusion",
        fusion.file().orElseThrow(),
        List.of(
            new TensorSpec("token_features", DType.FLOAT32, List.of(-1L, -1L, -1L)),
            new TensorSpec("attention_mask", DType.INT64, List.of(-1L, -1L)),
            new TensorSpec("patch_features", DType.FLOAT32, List.of(-1L, -1L, -1L))),
        List.of(
            new TensorSpec("match_logit", DType.FLOAT32, List.of(-1L)),
            new TensorSpec("match_probability", DType.FLOAT32, List.of(-1L))));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    vectorEngine.close();
    scalarEngine.close();
    onnx.close();
  }

  /** fusion-svc's match head on its Vector API kernels. */
  @Benchmark
  public float[] javaVector() {
    return vectorEngine.match("", tokens, mask, patches).probabilities();
  }

  /** fusion-svc's match head on its scalar kernels: the baseline. */
  @Benchmark
  public float[] javaScalar() {
    return scalarEngine.match("", tokens, mask, patches).probabilities();
  }

  /** ONNX Runtime on the pack's fusion.onnx. */
  @Benchmark
  public Map<String, Tensor> onnxRuntime() {
    return onnx.infer("fusion", onnxInputs);
  }
}
