package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageFormatTest {

  @Test
  void sniff_recognisesTheDecodableFormats() {
    assertEquals(ImageFormat.JPEG, ImageFormat.sniff(bytes(0xFF, 0xD8, 0xFF, 0xE0)));
    assertEquals(
        ImageFormat.PNG, ImageFormat.sniff(bytes(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)));
    assertEquals(ImageFormat.GIF, ImageFormat.sniff(ascii("GIF89a\u0001\0\u0001\0")));
    assertEquals(ImageFormat.GIF, ImageFormat.sniff(ascii("GIF87a\u0001\0\u0001\0")));
    assertEquals(ImageFormat.BMP, ImageFormat.sniff(Fixtures.named("bmp24_40x30").bytes()));
    assertEquals(ImageFormat.WEBP, ImageFormat.sniff(ascii("RIFF\0\0\0\0WEBPVP8L")));
    assertEquals(ImageFormat.TIFF, ImageFormat.sniff(bytes('I', 'I', 42, 0)));
    assertEquals(ImageFormat.TIFF, ImageFormat.sniff(bytes('M', 'M', 0, 42)));
  }

  @Test
  void sniff_takesBigTiffForTiffSoThatItsDecoderCanRefuseItByName() {
    assertEquals(ImageFormat.TIFF, ImageFormat.sniff(bytes('I', 'I', 43, 0)));
    assertEquals(ImageFormat.TIFF, ImageFormat.sniff(bytes('M', 'M', 0, 43)));
  }

  @Test
  void sniff_namesFormatsThatAreRecognisedButNotDecoded() {
    assertEquals(ImageFormat.HEIF, ImageFormat.sniff(ascii("\0\0\0\u0018ftypheic")));
    assertEquals(ImageFormat.AVIF, ImageFormat.sniff(ascii("\0\0\0\u001cftypavif")));
    assertEquals(
        ImageFormat.JPEG2000, ImageFormat.sniff(bytes(0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 13, 10)));
    assertEquals(ImageFormat.PSD, ImageFormat.sniff(ascii("8BPS\0\u0001")));
  }

  @Test
  void sniff_returnsUnknownForTextAndShortData() {
    assertEquals(ImageFormat.UNKNOWN, ImageFormat.sniff(ascii("BMW is not a bitmap header")));
    assertEquals(ImageFormat.UNKNOWN, ImageFormat.sniff(ascii("{\"image\": 1}")));
    assertEquals(ImageFormat.UNKNOWN, ImageFormat.sniff(bytes(0xFF, 0xD8)));
    assertEquals(ImageFormat.UNKNOWN, ImageFormat.sniff(new byte[0]));
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
