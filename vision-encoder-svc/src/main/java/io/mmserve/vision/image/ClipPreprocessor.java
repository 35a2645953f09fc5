package io.mmserve.vision.image;

import java.nio.FloatBuffer;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP image preprocessing as PIL and Hugging Face's CLIPImageProcessor do it: resize so the short
 * side is {@code shortestEdge} with PIL's antialiased bicubic filter (bit-identical to {@code
 * Image.resize(size, Image.BICUBIC)}), centre crop, then per channel {@code (v * rescale - mean) /
 * std} in float32 arithmetic, written channel-first (CHW) into a caller's buffer so a batch tensor
 * can be filled in place.
 *
 * <p>Thread-safe. Filter taps are computed once per input size, resized size and crop window, and
 * reused.
 */
public final class ClipPreprocessor {
  /** Beyond this many cached tap tables the cache starts over, bounding its memory. */
  private static final int MAX_CACHED_TABLES = 512;

  private final ClipPreprocessorConfig config;
  private final float[][] normalized; // [channel][u8 value] -> normalised float
  private final ConcurrentHashMap<TableKey, ResampleCoefficients> tables =
      new ConcurrentHashMap<>();

  public ClipPreprocessor(ClipPreprocessorConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.normalized = normalizationTable(config);
  }

  public ClipPreprocessorConfig config() {
    return config;
  }

  /** Number of floats one image occupies in the output: {@code 3 * cropHeight * cropWidth}. */
  public int floatsPerImage() {
    return 3 * config.cropHeight() * config.cropWidth();
  }

  /**
   * The size an image of {@code width x height} is resized to before cropping, as {@code {width,
   * height}}. Longs, because a very thin image's long side can outgrow an int; only the crop window
   * is ever computed, so such sizes cost nothing.
   */
  public long[] resizedSize(int width, int height) {
    int edge = config.shortestEdge();
    ResizeConvention convention = config.convention();
    if (width <= height) {
      return new long[] {edge, convention.resizedLongSide(height, width, edge)};
    }
    return new long[] {convention.resizedLongSide(width, height, edge), edge};
  }

  /**
   * Resizes and centre-crops {@code image}, returning the 8-bit {@code cropWidth x cropHeight}
   * result that the normalisation step reads; exposed for parity tests and debugging.
   */
  public RgbImage resizeAndCrop(RgbImage image) {
    return resizeAndCrop(image, new ImageScratch());
  }

  /**
   * As {@link #resizeAndCrop(RgbImage)}, working in {@code scratch}'s memory, which the next image
   * on this thread reuses; the result is a new image.
   */
  public RgbImage resizeAndCrop(RgbImage image, ImageScratch scratch) {
    long[] size = resizedSize(image.width(), image.height());
    int cropW = config.cropWidth();
    int cropH = config.cropHeight();
    long left = config.convention().cropOffset(size[0], cropW);
    long top = config.convention().cropOffset(size[1], cropH);
    return PilResampler.resizeWindow(
        image,
        taps(image.width(), size[0], left, cropW),
        taps(image.height(), size[1], top, cropH),
        scratch);
  }

  /**
   * Preprocesses {@code image} into {@code dest[offset .. offset + floatsPerImage())} as three
   * planes R, G, B of {@code cropHeight x cropWidth} floats.
   *
   * @throws IndexOutOfBoundsException if {@code dest} is too small
   */
  public void preprocess(RgbImage image, float[] dest, int offset) {
    Objects.checkFromIndexSize(offset, floatsPerImage(), dest.length);
    normalize(isUnchangedBy(image) ? image : resizeAndCrop(image), dest, offset);
  }

  /**
   * Whether resizing and cropping {@code image} gives it back as it is: it already has the crop
   * size and the short side the resize aims for (PIL skips both passes then).
   */
  private boolean isUnchangedBy(RgbImage image) {
    int w = image.width();
    int h = image.height();
    return w == config.cropWidth()
        && h == config.cropHeight()
        && Math.min(w, h) == config.shortestEdge()
        && resizedSize(w, h)[0] == w
        && resizedSize(w, h)[1] == h;
  }

  /**
   * Like {@link #preprocess(RgbImage, float[], int)} but into a (possibly direct) buffer at the
   * absolute float index {@code offset}; the buffer's position and limit are not changed.
   */
  public void preprocess(RgbImage image, FloatBuffer dest, int offset) {
    Objects.checkFromIndexSize(offset, floatsPerImage(), dest.limit());
    RgbImage cropped = isUnchangedBy(image) ? image : resizeAndCrop(image);
    byte[] px = cropped.pixels();
    int plane = cropped.width() * cropped.height();
    for (int c = 0; c < 3; c++) {
      float[] table = normalized[c];
      int base = offset + c * plane;
      for (int i = 0; i < plane; i++) {
        dest.put(base + i, table[px[i * 3 + c] & 0xFF]);
      }
    }
  }

  /** Normalises an already cropped image (of the crop size) into CHW floats at {@code offset}. */
  void normalize(RgbImage cropped, float[] dest, int offset) {
    byte[] px = cropped.pixels();
    int plane = cropped.width() * cropped.height();
    float[] r = normalized[0];
    float[] g = normalized[1];
    float[] b = normalized[2];
    int gBase = offset + plane;
    int bBase = offset + 2 * plane;
    for (int i = 0, p = 0; i < plane; i++, p += 3) {
      dest[offset + i] = r[px[p] & 0xFF];
      dest[gBase + i] = g[px[p + 1] & 0xFF];
      dest[bBase + i] = b[px[p + 2] & 0xFF];
    }
  }

  private ResampleCoefficients taps(int inSize, long outSize, long firstOutput, int outputs) {
    TableKey key = new TableKey(inSize, outSize, firstOutput, outputs);
    ResampleCoefficients cached = tables.get(key);
    if (cached != null) {
      return cached;
    }
    if (tables.size() >= MAX_CACHED_TABLES) {
      tables.clear();
    }
    return tables.computeIfAbsent(
        key, k -> ResampleCoefficients.bicubic(inSize, outSize, firstOutput, outputs));
  }

  /** Identifies a tap table: one axis, one resized length, one crop window. */
  private record TableKey(int inSize, long outSize, long firstOutput, int outputs) {}

  /**
   * All 256 normalised values per channel, computed as Hugging Face does it: the rescale in float64
   * then cast to float32, and the mean subtraction and std division in float32.
   */
  private static float[][] normalizationTable(ClipPreprocessorConfig config) {
    double[] mean = config.mean();
    double[] std = config.std();
    float[][] table = new float[3][256];
    for (int c = 0; c < 3; c++) {
      float m = (float) mean[c];
      float s = (float) std[c];
      for (int v = 0; v < 256; v++) {
        float scaled = (float) (v * config.rescaleFactor());
        table[c][v] = (scaled - m) / s;
      }
    }
    return table;
  }
}
