package io.mmserve.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.vision.image.ClipPreprocessor;
import io.mmserve.vision.image.ImageDecoder;
import io.mmserve.vision.image.RgbImage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes an encoded image's path to model input, as vision-encoder-svc runs it for a request: the
 * format sniffing and decoders of {@link ImageDecoder} (JPEG through libjpeg-turbo, PNG, GIF, BMP,
 * WebP through libwebp, TIFF, and the refusal of other formats), then the bundled pack's CLIP
 * resize, centre crop and normalisation ({@link ClipPreprocessor}). Any bytes either become the
 * pack's {@code 3 x crop} floats, all finite, or are refused with {@link InvalidInputException} or
 * {@link ResourceLimitException} naming {@code images[0]}; never another exception (which the
 * encoder would log as a decoder gap), never a hang, and never more pixels than the limit (a header
 * may claim any size).
 *
 * <p>The pixel limit is 4 megapixels instead of the default 40, so an input the fuzzer inflates to
 * the limit costs milliseconds rather than seconds; the checks are the same. Regression inputs:
 * {@code ImageDecodingFuzzTestInputs/decodeAndPreprocess/} in the test resources.
 */
class ImageDecodingFuzzTest {
  private static final long MAX_PIXELS = 4_000_000;

  private static ImageDecoder decoder;
  private static ClipPreprocessor preprocessor;

  @BeforeAll
  static void load() {
    decoder = new ImageDecoder(MAX_PIXELS);
    ModelPack pack = ModelPack.load(ReferencePack.dir());
    preprocessor =
        new ClipPreprocessor(ImageModel.preprocessorConfig(pack.manifest().vision().orElseThrow()));
  }

  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void decodeAndPreprocess(byte[] encoded) {
    RgbImage image;
    try {
      image = decoder.decode(0, encoded);
    } catch (InvalidInputException | ResourceLimitException e) {
      assertTrue(e.getMessage().contains("images[0]"), e.getMessage());
      return;
    }
    assertTrue((long) image.width() * image.height() <= MAX_PIXELS, image.toString());
    float[] input = new float[preprocessor.floatsPerImage()];
    preprocessor.preprocess(image, input, 0);
    for (float v : input) {
      assertTrue(Float.isFinite(v), "a preprocessed value is not finite");
    }
  }
}
