package io.mmserve.bench;

import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.VisionSpec;
import io.mmserve.vision.image.ClipPreprocessor;
import io.mmserve.vision.image.ClipPreprocessorConfig;
import io.mmserve.vision.image.ImageDecoder;
import io.mmserve.vision.image.ImageScratch;
import io.mmserve.vision.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * CLIP preprocessing of one encoded JPEG on one thread: decode (with EXIF orientation and RGB
 * conversion) then resize, centre crop and normalise into a CHW float array, with the bundled
 * pack's settings. The score (ops/s) is images per second, to compare with {@code
 * bench/preprocess_pil.py} doing the same steps with PIL and numpy.
 *
 * <p>The resize uses Hugging Face's CLIPImageProcessor rounding (truncated long side), as the
 * Python baseline does. {@link #decode} and {@link #resizeCropNormalize} time the two halves. Each
 * benchmark also reports its CPU time per call ({@link CpuTime}). Decoding and resizing work in one
 * {@link ImageScratch} reused from call to call, as each of the service's preparation threads does;
 * JMH's {@code -prof gc} shows what is left to allocate per image.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class PreprocessBenchmark {
  @Param({"photo_640x480.jpg", "photo_1920x1080.jpg"})
  public String image;

  private byte[] jpeg;
  private ImageDecoder decoder;
  private ClipPreprocessor preprocessor;
  private RgbImage decoded;
  private float[] out;
  private final ImageScratch scratch = new ImageScratch();

  @Setup
  public void setUp() throws IOException {
    jpeg = Files.readAllBytes(RepoFiles.benchData(image));
    decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
    preprocessor = new ClipPreprocessor(configOf(ModelPack.load(RepoFiles.modelPack())));
    out = new float[preprocessor.floatsPerImage()];
    decoded = decoder.decode(0, jpeg); // held as YCbCr: the resize converts the pixels it reads
  }

  /** The pack's vision settings with the default (Hugging Face) rounding convention. */
  static ClipPreprocessorConfig configOf(ModelPack pack) {
    VisionSpec v =
        pack.manifest()
            .vision()
            .orElseThrow(() -> new IllegalStateException(pack.dir() + " has no vision side"));
    return ClipPreprocessorConfig.of(
        v.resize().shortestEdge(),
        v.crop().height(),
        v.crop().width(),
        v.rescaleFactor(),
        toDoubles(v.mean()),
        toDoubles(v.std()));
  }

  private static double[] toDoubles(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Decode, resize, crop and normalise: what the service does per image. */
  @Benchmark
  public float[] decodeAndPreprocess(CpuTime cpu) {
    cpu.start();
    RgbImage crop = preprocessor.resizeAndCrop(decoder.decode(0, jpeg, scratch), scratch);
    preprocessor.preprocess(crop, out, 0); // a crop is normalised as it is
    cpu.stop();
    return out;
  }

  /** Decode only: the header walk and the JDK's libjpeg, without the YCbCr to RGB conversion. */
  @Benchmark
  public RgbImage decode(CpuTime cpu) {
    cpu.start();
    RgbImage decodedNow = decoder.decode(0, jpeg, scratch);
    cpu.stop();
    return decodedNow;
  }

  /** YCbCr to RGB conversion of the pixels read, resize, crop and normalise of a decoded JPEG. */
  @Benchmark
  public float[] resizeCropNormalize(CpuTime cpu) {
    cpu.start();
    preprocessor.preprocess(preprocessor.resizeAndCrop(decoded, scratch), out, 0);
    cpu.stop();
    return out;
  }
}
