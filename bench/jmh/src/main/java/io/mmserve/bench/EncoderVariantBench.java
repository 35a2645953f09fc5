package io.mmserve.bench;

import io.mmserve.inference.BackendModel;
import io.mmserve.inference.DType;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.EncoderSpec;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.VisionSpec;
import io.mmserve.text.encoder.SequenceBuckets;
import io.mmserve.text.tokenizer.PackTokenizer;
import io.mmserve.text.tokenizer.TokenizedText;
import io.mmserve.vision.image.ClipPreprocessor;
import io.mmserve.vision.image.ImageDecoder;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Encoder variants side by side in process: for each pack of {@code --packs} (for example the CLIP
 * kit's export with and without graph fusions) and each of {@code --precisions}, ONNX Runtime with
 * the encoder services' default settings runs batches of {@code --batch} items back to back on one
 * thread, {@code --encoders} text and/or vision. Text batches hold {@link
 * TextSequenceBench#CAPTIONS} tokenized by the pack's tokenizer and padded to the default bucket of
 * the longest (as text-encoder-svc does); vision batches hold {@code --image} preprocessed as
 * vision-encoder-svc does. The variants alternate within each of {@code --rounds} rounds, so all
 * see the same load. Prints one JSON line per run (items per second, the process's CPU ms per
 * item). With {@code --callers N} that many threads call the model at once (as an encoder with
 * {@code batching.max-in-flight=N} does), each with its own batch; {@code --intra-op-threads} sets
 * ONNX Runtime's threads per call (0, the services' default: one per core).
 *
 * <pre>
 * java -cp bench/jmh/target/benchmarks.jar io.mmserve.bench.EncoderVariantBench \
 *     --packs DIR[,DIR...] [--precisions fp32,int8] [--encoders text,vision] [--batch 16] \
 *     [--duration 10s] [--warmup 3s] [--rounds 2] [--image bench/data/photo_640x480.jpg] \
 *     [--callers 1] [--intra-op-threads 0]
 * </pre>
 */
public final class EncoderVariantBench {
  private EncoderVariantBench() {}

  public static void main(String[] args) throws Exception {
    List<Path> packs = new ArrayList<>();
    List<ModelPrecision> precisions = List.of(ModelPrecision.FP32, ModelPrecision.INT8);
    List<String> encoders = List.of("text", "vision");
    int batch = 16;
    double seconds = 10;
    double warmup = 3;
    int rounds = 2;
    int callers = 1;
    int intraOpThreads = OnnxRuntimeConfig.DEFAULT_INTRA_OP_THREADS;
    Path image = RepoFiles.benchData("photo_640x480.jpg");
    for (int i = 0; i + 1 < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--packs" -> packs = split(value).stream().map(Path::of).toList();
        case "--precisions" ->
            precisions =
                split(value).stream()
                    .map(p -> ModelPrecision.valueOf(p.toUpperCase(Locale.ROOT)))
                    .toList();
        case "--encoders" -> encoders = split(value);
        case "--batch" -> batch = Integer.parseInt(value);
        case "--duration" -> seconds = seconds(value);
        case "--warmup" -> warmup = seconds(value);
        case "--rounds" -> rounds = Integer.parseInt(value);
        case "--image" -> image = Path.of(value);
        case "--callers" -> callers = Integer.parseInt(value);
        case "--intra-op-threads" -> intraOpThreads = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (packs.isEmpty()) {
      throw new IllegalArgumentException("--packs must name at least one pack directory");
    }
    for (int round = 1; round <= rounds; round++) {
      for (String encoder : encoders) {
        for (Path pack : packs) {
          ModelPack loaded = ModelPack.load(pack);
          Map<String, Tensor> inputs =
              encoder.equals("text")
                  ? textInputs(loaded, batch)
                  : visionInputs(loaded, image, batch);
          for (ModelPrecision precision : precisions) {
            double[] r =
                run(
                    loaded,
                    encoder,
                    precision,
                    inputs,
                    new Callers(callers, intraOpThreads),
                    warmup,
                    seconds);
            System.out.printf(
                Locale.ROOT,
                "{\"round\": %d, \"pack\": \"%s\", \"encoder\": \"%s\", \"precision\": \"%s\","
                    + " \"batch\": %d, \"callers\": %d, \"intra_op_threads\": %d,"
                    + " \"items_per_s\": %.2f, \"cpu_ms_per_item\": %.2f}%n",
                round,
                pack,
                encoder,
                precision.name().toLowerCase(Locale.ROOT),
                batch,
                callers,
                intraOpThreads,
                r[0],
                r[1]);
          }
        }
      }
    }
  }

  /** How the model is called: by how many threads at once, each call on how many threads. */
  private record Callers(int threads, int intraOpThreads) {}

  /** {items per second, process CPU ms per item} of one measured run after its warm-up. */
  private static double[] run(
      ModelPack pack,
      String encoder,
      ModelPrecision precision,
      Map<String, Tensor> inputs,
      Callers callers,
      double warmup,
      double seconds)
      throws InterruptedException {
    EncoderSpec spec =
        encoder.equals("text")
            ? pack.manifest().text().orElseThrow().encoder()
            : pack.manifest().vision().orElseThrow().encoder();
    String name = "variant/" + encoder;
    int items = (int) inputs.values().iterator().next().shape()[0];
    try (OnnxRuntimeBackend backend =
        OnnxRuntimeBackend.open(
            new OnnxRuntimeConfig(
                callers.intraOpThreads(),
                OnnxRuntimeConfig.DEFAULT_INTER_OP_THREADS,
                OnnxRuntimeConfig.DEFAULT_OPTIMIZATION),
            List.of(BackendModel.of(name, spec, precision)))) {
      runFor(backend, name, inputs, callers.threads(), warmup);
      long cpu0 = processCpuNanos();
      long t0 = System.nanoTime();
      long calls = runFor(backend, name, inputs, callers.threads(), seconds);
      double elapsed = (System.nanoTime() - t0) / 1e9;
      double cpuMs = (processCpuNanos() - cpu0) / 1e6;
      return new double[] {calls * items / elapsed, cpuMs / (calls * items)};
    }
  }

  /** Model calls made by {@code threads} threads calling back to back for {@code seconds}. */
  private static long runFor(
      OnnxRuntimeBackend backend,
      String name,
      Map<String, Tensor> inputs,
      int threads,
      double seconds)
      throws InterruptedException {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    AtomicLong calls = new AtomicLong();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      running.add(
          Thread.ofPlatform()
              .name("caller-" + t)
              .start(
                  () -> {
                    try {
                      do {
                        backend.infer(name, inputs);
                        calls.incrementAndGet();
                      } while (System.nanoTime() < end && failure.get() == null);
                    } catch (RuntimeException e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    for (Thread thread : running) {
      thread.join();
    }
    if (failure.get() != null) {
      throw failure.get(); // a failed call must not pass for a slower run
    }
    return calls.get();
  }

  /** The captions, cycled to {@code batch} rows, padded to the default bucket of the longest. */
  private static Map<String, Tensor> textInputs(ModelPack pack, int batch) {
    EncoderSpec spec = pack.manifest().text().orElseThrow().encoder();
    List<TokenizedText> texts = new ArrayList<>();
    try (PackTokenizer tokenizer = PackTokenizer.load(pack)) {
      for (int i = 0; i < batch; i++) {
        texts.add(
            tokenizer.tokenize(
                TextSequenceBench.CAPTIONS.get(i % TextSequenceBench.CAPTIONS.size())));
      }
    }
    int context = texts.get(0).length();
    int longest = texts.stream().mapToInt(TokenizedText::tokenCount).max().orElseThrow();
    int length =
        pack.manifest().text().orElseThrow().dynamicSequence()
            ? SequenceBuckets.of("b", SequenceBuckets.DEFAULT).lengthFor(longest, context)
            : context;
    Map<String, Tensor> inputs = new HashMap<>();
    for (var input : spec.inputs()) {
      boolean mask = input.name().equals("attention_mask");
      ByteBuffer data = ByteBuffer.allocate(batch * length * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (TokenizedText text : texts) {
        for (int j = 0; j < length; j++) {
          data.putLong(mask ? text.attentionMask()[j] : text.ids()[j]);
        }
      }
      inputs.put(input.name(), Tensor.of(DType.INT64, new long[] {batch, length}, data.flip()));
    }
    return inputs;
  }

  /** {@code batch} copies of the image preprocessed as vision-encoder-svc does it. */
  private static Map<String, Tensor> visionInputs(ModelPack pack, Path image, int batch)
      throws java.io.IOException {
    VisionSpec vision = pack.manifest().vision().orElseThrow();
    ClipPreprocessor preprocessor = new ClipPreprocessor(PreprocessBenchmark.configOf(pack));
    int n = preprocessor.floatsPerImage();
    float[] all = new float[n * batch];
    preprocessor.preprocess(
        new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decode(0, Files.readAllBytes(image)),
        all,
        0);
    for (int i = 1; i < batch; i++) {
      System.arraycopy(all, 0, all, i * n, n);
    }
    int size = vision.imageSize();
    return Map.of(
        vision.encoder().inputs().get(0).name(), Tensor.ofFloats(all, batch, 3, size, size));
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static List<String> split(String value) {
    return List.of(value.split(","));
  }

  private static double seconds(String value) {
    return Double.parseDouble(value.endsWith("s") ? value.substring(0, value.length() - 1) : value);
  }
}
