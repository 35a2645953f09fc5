package io.mmserve.bench;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.text.encoder.SequenceBuckets;
import io.mmserve.text.encoder.TextEncoder;
import io.mmserve.text.encoder.TextLimits;
import io.mmserve.text.encoder.TextRequest;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Text sequence length, dynamic against fixed: text-encoder-svc's {@link TextEncoder} (tokenizer,
 * batcher, ONNX Runtime with the services' default settings) driven in process by {@code
 * --concurrency} closed-loop callers, each sending one short caption per request, once with {@code
 * sequence.dynamic=false} (every batch at the context length) and once with the default buckets;
 * the two alternate for {@code --rounds} rounds. Prints one JSON line per run (texts per second,
 * the process's CPU ms per text) and the ratios dynamic / fixed of the round means.
 *
 * <pre>
 * java -cp bench/jmh/target/benchmarks.jar io.mmserve.bench.TextSequenceBench \
 *     [--pack DIR] [--concurrency 16] [--duration 10s] [--warmup 3s] [--rounds 2]
 * </pre>
 */
public final class TextSequenceBench {
  /** Captions of 5 to 16 tokens, as image search and zero-shot prompts are. */
  static final List<String> CAPTIONS =
      List.of(
          "a photo of a red circle",
          "a large blue square on the left",
          "a small green triangle at the top",
          "a yellow star in the centre of the picture",
          "a purple circle and an orange square",
          "a photo of a cat sitting on a sofa next to a window",
          "a black triangle at the bottom",
          "a diagram showing the parts of a bicycle");

  private TextSequenceBench() {}

  public static void main(String[] args) throws Exception {
    Path pack = RepoFiles.modelPack();
    int concurrency = 16;
    double seconds = 10;
    double warmup = 3;
    int rounds = 2;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--pack" -> pack = Path.of(args[i + 1]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[i + 1]);
        case "--duration" -> seconds = seconds(args[i + 1]);
        case "--warmup" -> warmup = seconds(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    double[][] sums = new double[2][2]; // [fixed, dynamic][texts/s, cpu ms/text]
    for (int round = 0; round < rounds; round++) {
      for (int mode = 0; mode < 2; mode++) {
        SequenceBuckets buckets =
            mode == 0 ? SequenceBuckets.fixed() : SequenceBuckets.of("b", SequenceBuckets.DEFAULT);
        double[] r = run(pack, buckets, concurrency, warmup, seconds);
        sums[mode][0] += r[0];
        sums[mode][1] += r[1];
        System.out.printf(
            Locale.ROOT,
            "{\"round\": %d, \"sequence\": \"%s\", \"texts_per_s\": %.1f, \"cpu_ms_per_text\": %.3f}%n",
            round + 1,
            mode == 0 ? "fixed" : "dynamic " + buckets,
            r[0],
            r[1]);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "{\"pack\": \"%s\", \"concurrency\": %d, \"texts_per_s_dynamic_over_fixed\": %.2f,"
            + " \"cpu_ms_per_text_fixed_over_dynamic\": %.2f}%n",
        pack,
        concurrency,
        sums[1][0] / sums[0][0],
        sums[0][1] / sums[1][1]);
  }

  /** {texts per second, process CPU ms per text} of one measured run after its warm-up. */
  private static double[] run(
      Path pack, SequenceBuckets buckets, int concurrency, double warmup, double seconds)
      throws Exception {
    ModelRegistry registry = ModelRegistry.load(List.of(pack));
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ExecutorService callers = Executors.newFixedThreadPool(concurrency);
    try (OnnxRuntimeBackend backend =
            OnnxRuntimeBackend.open(
                new OnnxRuntimeConfig(
                    OnnxRuntimeConfig.DEFAULT_INTRA_OP_THREADS,
                    OnnxRuntimeConfig.DEFAULT_INTER_OP_THREADS,
                    OnnxRuntimeConfig.DEFAULT_OPTIMIZATION),
                TextEncoder.backendModels(registry, ModelPrecision.FP32));
        TextEncoder encoder =
            new TextEncoder(
                registry,
                backend,
                BatchingSettings.ofItems(32, Duration.ofMillis(2), 1024, 1),
                buckets,
                new TextLimits(256, 10_000),
                new SimpleMeterRegistry())) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong done = new AtomicLong();
      List<Future<?>> loops = new ArrayList<>();
      for (int c = 0; c < concurrency; c++) {
        int first = c;
        loops.add(
            callers.submit(
                () -> {
                  for (int i = first; !stop.get(); i++) {
                    String text = CAPTIONS.get(i % CAPTIONS.size());
                    encoder
                        .encode(new TextRequest("", List.of(text), false, true), () -> false)
                        .get(60, TimeUnit.SECONDS);
                    done.incrementAndGet();
                  }
                  return null;
                }));
      }
      Thread.sleep((long) (warmup * 1000));
      long items0 = done.get();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      Thread.sleep((long) (seconds * 1000));
      long items = done.get() - items0;
      long cpu = os.getProcessCpuTime() - cpu0;
      double elapsed = (System.nanoTime() - t0) / 1e9;
      stop.set(true);
      for (Future<?> loop : loops) {
        loop.get(60, TimeUnit.SECONDS);
      }
      return new double[] {items / elapsed, cpu / 1e6 / items};
    } finally {
      callers.shutdownNow();
    }
  }

  private static double seconds(String value) {
    return value.endsWith("ms")
        ? Double.parseDouble(value.substring(0, value.length() - 2)) / 1000
        : Double.parseDouble(value.replace("s", ""));
  }
}
