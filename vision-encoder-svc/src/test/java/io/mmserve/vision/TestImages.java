package io.mmserve.vision;

import com.google.protobuf.ByteString;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.PixelFormat;
import io.mmserve.api.v1.RawImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/** Request images for the service tests: golden files and crafted bad ones. */
public final class TestImages {
  private TestImages() {}

  public static Image encoded(byte[] bytes) {
    return Image.newBuilder().setEncoded(ByteString.copyFrom(bytes)).build();
  }

  public static Image golden(String suffix) {
    return encoded(Golden.image(suffix).bytes());
  }

  public static Image raw(int width, int height, PixelFormat format, byte[] data) {
    return Image.newBuilder()
        .setRaw(
            RawImage.newBuilder()
                .setWidth(width)
                .setHeight(height)
                .setFormat(format)
                .setData(ByteString.copyFrom(data)))
        .build();
  }

  /** The first half of a golden JPEG. */
  public static Image truncatedJpeg() {
    byte[] jpeg = Golden.image(".jpg").bytes();
    return encoded(Arrays.copyOf(jpeg, jpeg.length / 2));
  }

  /** The start of a HEIC file: a recognised but unsupported format. */
  public static Image heic() {
    byte[] heic = new byte[64];
    byte[] box = "\0\0\0\u0018ftypheic\0\0\0\0mif1heic".getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(box, 0, heic, 0, box.length);
    return encoded(heic);
  }

  /**
   * A golden PNG whose header claims {@code width x height}, with a valid header checksum; its
   * pixel data stays that of the small original.
   */
  public static Image pngClaiming(int width, int height) {
    byte[] png = Golden.image(".png").bytes().clone();
    // signature (8), IHDR length (4), "IHDR" (4), width (4) at 16, height (4) at 20, ..., CRC at 29
    ByteBuffer buf = ByteBuffer.wrap(png);
    buf.putInt(16, width);
    buf.putInt(20, height);
    CRC32 crc = new CRC32();
    crc.update(png, 12, 17);
    buf.putInt(29, (int) crc.getValue());
    return encoded(png);
  }
}
