package io.mmserve.bench;

import io.mmserve.inference.BackendModel;
import io.mmserve.inference.DType;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.EncoderSpec;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.TextSpec;
import io.mmserve.inference.pack.VisionSpec;
import io.mmserve.testsupport.Npy;
import io.mmserve.vision.image.ClipPreprocessor;
import io.mmserve.vision.image.ImageDecoder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The in-process ceiling of an encoder: {@link OnnxRuntimeBackend#infer} called back to back on one
 * thread with batches of a fixed size, with the encoder services' default ONNX Runtime settings
 * ({@code --intra-op-threads N} overrides {@code onnxruntime.intra-op-threads}). Prints one JSON
 * line with items per second and the process's CPU time per item.
 *
 * <pre>
 * java -cp bench/jmh/target/benchmarks.jar io.mmserve.bench.OnnxBaseline \
 *     --encoder vision --batch 32 --duration 10s
 * </pre>
 *
 * Inputs are realistic: the vision batch repeats the preprocessed {@code --image} (default
 * bench/data/photo_640x480.jpg); the text batch cycles through the pack's golden token ids ({@code
 * reference/arrays/input_ids.npy} and {@code attention_mask.npy}).
 */
public final class OnnxBaseline {
  private OnnxBaseline() {}

  public static void main(String[] args) throws Exception {
    String encoder = "vision";
    int batch = 32;
    double seconds = 10;
    double warmupSeconds = 3;
    Path image = RepoFiles.benchData("photo_640x480.jpg");
    int intraOpThreads = OnnxRuntimeConfig.DEFAULT_INTRA_OP_THREADS;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--encoder" -> encoder = args[i + 1];
        case "--batch" -> batch = Integer.parseInt(args[i + 1]);
        case "--duration" -> seconds = parseSeconds(args[i + 1]);
        case "--warmup" -> warmupSeconds = parseSeconds(args[i + 1]);
        case "--image" -> image = Path.of(args[i + 1]);
        case "--intra-op-threads" -> intraOpThreads = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    ModelPack pack = ModelPack.load(RepoFiles.modelPack());
    EncoderSpec spec;
    Map<String, Tensor> inputs;
    if (encoder.equals("vision")) {
      VisionSpec vision = pack.manifest().vision().orElseThrow();
      spec = vision.encoder();
      inputs = Map.of(spec.inputs().get(0).name(), pixels(vision, pack, image, batch));
    } else if (encoder.equals("text")) {
      TextSpec text = pack.manifest().text().orElseThrow();
      spec = text.encoder();
      inputs = tokens(spec, batch);
    } else {
      throw new IllegalArgumentException("--encoder must be vision or text, but was " + encoder);
    }
    String name = "baseline/" + encoder;
    try (OnnxRuntimeBackend backend =
        OnnxRuntimeBackend.open(
            new OnnxRuntimeConfig(
                intraOpThreads,
                OnnxRuntimeConfig.DEFAULT_INTER_OP_THREADS,
                OnnxRuntimeConfig.DEFAULT_OPTIMIZATION),
            List.of(BackendModel.of(name, spec, ModelPrecision.FP32)))) {
      runFor(backend, name, inputs, warmupSeconds);
      long cpuStart = processCpuNanos();
      long start = System.nanoTime();
      long calls = runFor(backend, name, inputs, seconds);
      double elapsed = (System.nanoTime() - start) / 1e9;
      double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
      System.out.println(
          String.format(
              Locale.ROOT,
              "{\"encoder\": \"%s\", \"batch\": %d, \"calls\": %d, \"ms_per_call\": %.3f,"
                  + " \"items_per_s\": %.1f, \"cpu_ms_per_item\": %.4f}",
              encoder,
              batch,
              calls,
              1000 * elapsed / calls,
              calls * batch / elapsed,
              1000 * cpuSeconds / (calls * batch)));
    }
  }

  /** CPU time of this whole process (all ONNX Runtime threads), in nanoseconds. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long runFor(
      OnnxRuntimeBackend backend, String name, Map<String, Tensor> inputs, double seconds) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long calls = 0;
    do {
      backend.infer(name, inputs);
      calls++;
    } while (System.nanoTime() < end);
    return calls;
  }

  /** {@code batch} copies of the image preprocessed as the vision service does it. */
  private static Tensor pixels(VisionSpec vision, ModelPack pack, Path image, int batch)
      throws IOException {
    ClipPreprocessor preprocessor = new ClipPreprocessor(PreprocessBenchmark.configOf(pack));
    int n = preprocessor.floatsPerImage();
    float[] one = new float[n];
    preprocessor.preprocess(
        new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decode(0, Files.readAllBytes(image)),
        one,
        0);
    float[] all = new float[n * batch];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(one, 0, all, i * n, n);
    }
    int size = vision.imageSize();
    return Tensor.ofFloats(all, batch, 3, size, size);
  }

  /** {@code batch} rows of the pack's golden token ids and attention masks, cycled. */
  private static Map<String, Tensor> tokens(EncoderSpec spec, int batch) throws IOException {
    Path arrays = RepoFiles.modelPack().resolve("reference/arrays");
    Npy.Array ids = Npy.read(arrays.resolve("input_ids.npy"));
    Npy.Array mask = Npy.read(arrays.resolve("attention_mask.npy"));
    int rows = (int) ids.shape()[0];
    int length = (int) ids.shape()[1];
    long[] idValues = ids.longs();
    long[] maskValues = mask.longs();
    ByteBuffer idData = ByteBuffer.allocate(batch * length * 8).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer maskData = ByteBuffer.allocate(batch * length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < batch; i++) {
      int row = i % rows;
      for (int j = 0; j < length; j++) {
        idData.putLong(idValues[row * length + j]);
        maskData.putLong(maskValues[row * length + j]);
      }
    }
    long[] shape = {batch, length};
    return Map.of(
        spec.inputs().get(0).name(),
        Tensor.of(DType.INT64, shape, idData.flip()),
        spec.inputs().get(1).name(),
        Tensor.of(DType.INT64, shape, maskData.flip()));
  }

  private static double parseSeconds(String value) {
    return Double.parseDouble(value.endsWith("s") ? value.substring(0, value.length() - 1) : value);
  }
}
