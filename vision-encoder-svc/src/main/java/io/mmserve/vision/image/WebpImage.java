package io.mmserve.vision.image;

import java.awt.image.BufferedImage;
import java.util.Optional;

/**
 * A WebP whose RIFF chunks have been walked: the whole RIFF body present, every chunk complete, the
 * size read from the VP8 (lossy), VP8L (lossless) or VP8X (extended) header and checked against the
 * bitstream of the image, or of the first frame of an animation.
 *
 * <p>Pixels are decoded as PIL's {@code convert("RGB")} of what libwebp's animation decoder gives
 * PIL: alpha dropped (the colour stored under a transparent pixel is kept, not composited), ICC
 * profiles ignored, and an animation shown as its first frame on a canvas of the VP8X size whose
 * uncovered part is black. An EXIF chunk's orientation is applied, as for JPEG and PNG. With {@link
 * LibWebp} the image's (or first frame's) {@code ALPH}/{@code VP8 }/{@code VP8L} chunks go to
 * libwebp as Pillow's demuxer hands them on, so the pixels are PIL's. Without it, lossless (VP8L)
 * images are decoded by TwelveMonkeys' reader (ICC flag cleared first, since it would apply the
 * profile), exactly as PIL; lossy (VP8) images are refused, since that reader's pixels are far from
 * PIL's (plain rather than "fancy" chroma upsampling: up to 62 levels off at colour edges; a lossy
 * animation frame with alpha comes out black).
 */
final class WebpImage implements EncodedImage {
  private static final int VP8X_ICC_FLAG = 0x20;
  private static final int VP8X_ANIMATION_FLAG = 0x02;

  private final byte[] data;
  private final ImageIoReaders readers;
  private final Optional<LibWebp> libwebp;
  private int width;
  private int height;
  private int frameLeft;
  private int frameTop;
  private int frameWidth;
  private int frameHeight;
  private boolean hasIccFlag;
  private boolean lossy;
  private int chunksStart; // the image's (or first frame's) ALPH, VP8 or VP8L chunks
  private int chunksEnd;
  private int orientation = ExifOrientation.NORMAL;

  private WebpImage(byte[] data, ImageIoReaders readers, Optional<LibWebp> libwebp) {
    this.data = data;
    this.readers = readers;
    this.libwebp = libwebp;
  }

  /**
   * Walks the chunks of {@code data}, which starts with "RIFF", a size and "WEBP".
   *
   * @param libwebp the decoder of the pixels when present, else TwelveMonkeys' reader
   */
  static WebpImage parse(byte[] data, ImageIoReaders readers, Optional<LibWebp> libwebp)
      throws BadImageException {
    WebpImage image = new WebpImage(data, readers, libwebp);
    image.walkChunks();
    return image;
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public int height() {
    return height;
  }

  @Override
  public RgbImage decode() throws BadImageException {
    byte[] rgb;
    if (libwebp.isPresent()) {
      LibWebp.Placement frame =
          new LibWebp.Placement(width, height, frameLeft, frameTop, frameWidth, frameHeight);
      rgb = libwebp.get().decodeRgb(data, chunksStart, chunksEnd - chunksStart, frame);
    } else if (lossy) {
      throw new BadImageException(
          "unsupported image format variant: lossy WebP needs libwebp, which this server lacks"
              + " (its log says so at start-up)");
    } else {
      rgb = new byte[width * height * 3]; // the canvas outside the first frame stays black
      decodeWithTwelveMonkeys(rgb);
    }
    return ExifOrientation.apply(new RgbImage(width, height, rgb), orientation);
  }

  private void decodeWithTwelveMonkeys(byte[] rgb) throws BadImageException {
    byte[] input = data;
    if (hasIccFlag) {
      input = data.clone();
      input[20] &= (byte) ~VP8X_ICC_FLAG;
    }
    BufferedImage frame = readers.readImage(readers.webp(), input, frameWidth, frameHeight, "WebP");
    RasterRows rows = new RasterRows(frame.getRaster());
    int bands = rows.bands();
    if (bands < 3) {
      throw new BadImageException("corrupt WebP data (decoded " + bands + " channels)");
    }
    byte[] row = new byte[frameWidth * bands];
    for (int y = 0; y < frameHeight; y++) {
      rows.read(y, row);
      int o = ((frameTop + y) * width + frameLeft) * 3;
      for (int x = 0, p = 0; x < frameWidth; x++, p += bands, o += 3) {
        rgb[o] = row[p];
        rgb[o + 1] = row[p + 1];
        rgb[o + 2] = row[p + 2];
      }
    }
  }

  private void walkChunks() throws BadImageException {
    if (data.length < 20) {
      throw truncated("RIFF header incomplete");
    }
    long riffEnd = 8 + u32(4);
    if (riffEnd > data.length) {
      throw truncated("RIFF size " + riffEnd + " bytes, but " + data.length + " present");
    }
    int end = (int) riffEnd;
    int p = 12;
    int firstLength = chunkLength(p, end);
    String first = chunkType(p);
    switch (first) {
      case "VP8 ", "VP8L" -> {
        readBitstreamSize(first, p + 8, firstLength);
        setChunks(p, p, firstLength, end);
        width = frameWidth;
        height = frameHeight;
        return;
      }
      case "VP8X" -> readExtended(p + 8, firstLength, end);
      default ->
          throw new BadImageException(
              "corrupt WebP data (first chunk is " + first + ", not VP8, VP8L or VP8X)");
    }
  }

  /** The chunks after a VP8X header: the image (or first frame) and its EXIF orientation. */
  private void readExtended(int body, int length, int end) throws BadImageException {
    if (length < 10) {
      throw new BadImageException("corrupt WebP data (VP8X chunk of " + length + " bytes)");
    }
    int flags = data[body] & 0xFF;
    hasIccFlag = (flags & VP8X_ICC_FLAG) != 0;
    boolean animated = (flags & VP8X_ANIMATION_FLAG) != 0;
    width = u24(body + 4) + 1;
    height = u24(body + 7) + 1;
    boolean sawImage = false;
    boolean sawExif = false;
    int alpha = -1; // the first of the ALPH chunks just before, if any
    for (int p = body + padded(length); p < end; ) {
      int len = chunkLength(p, end); // first: the header must be there to read its type
      String type = chunkType(p);
      int chunkBody = p + 8;
      if (!sawImage && !animated && type.equals("ALPH")) {
        alpha = alpha < 0 ? p : alpha;
      } else if (!sawImage && animated && type.equals("ANMF")) {
        readFirstFrame(chunkBody, len);
        sawImage = true;
      } else if (!sawImage && !animated && (type.equals("VP8 ") || type.equals("VP8L"))) {
        readBitstreamSize(type, chunkBody, len);
        setChunks(type.equals("VP8 ") && alpha >= 0 ? alpha : p, p, len, end);
        if (frameWidth != width || frameHeight != height) {
          throw new BadImageException(
              "corrupt WebP data (image "
                  + frameWidth
                  + "x"
                  + frameHeight
                  + " differs from canvas "
                  + width
                  + "x"
                  + height
                  + ")");
        }
        sawImage = true;
      } else if (type.equals("EXIF") && !sawExif) {
        sawExif = true;
        boolean prefixed = len >= 6 && startsWithAscii(chunkBody, "Exif\0\0");
        int skip = prefixed ? 6 : 0;
        orientation = ExifOrientation.read(data, chunkBody + skip, len - skip);
      }
      if (!type.equals("ALPH")) {
        alpha = -1;
      }
      p = chunkBody + padded(len);
    }
    if (!sawImage) {
      throw new BadImageException(
          "corrupt WebP data (no " + (animated ? "animation frame" : "image data") + ")");
    }
  }

  /** An ANMF chunk: the frame's place on the canvas, then its own ALPH/VP8/VP8L chunks. */
  private void readFirstFrame(int body, int length) throws BadImageException {
    if (length < 16) {
      throw new BadImageException("corrupt WebP data (ANMF chunk of " + length + " bytes)");
    }
    frameLeft = 2 * u24(body);
    frameTop = 2 * u24(body + 3);
    int declaredWidth = u24(body + 6) + 1;
    int declaredHeight = u24(body + 9) + 1;
    if ((long) frameLeft + declaredWidth > width || (long) frameTop + declaredHeight > height) {
      throw new BadImageException("corrupt WebP data (first frame outside the canvas)");
    }
    int end = body + length;
    int alpha = -1;
    for (int p = body + 16; p < end; ) {
      int len = chunkLength(p, end); // first: the header must be there to read its type
      String type = chunkType(p);
      if (type.equals("VP8 ") || type.equals("VP8L")) {
        readBitstreamSize(type, p + 8, len);
        setChunks(type.equals("VP8 ") && alpha >= 0 ? alpha : p, p, len, end);
        if (frameWidth != declaredWidth || frameHeight != declaredHeight) {
          throw new BadImageException("corrupt WebP data (first frame size disagrees with ANMF)");
        }
        return;
      }
      alpha = type.equals("ALPH") ? (alpha < 0 ? p : alpha) : -1;
      p += 8 + padded(len);
    }
    throw new BadImageException("corrupt WebP data (first frame has no image data)");
  }

  /**
   * Records the chunks libwebp decodes: from {@code start} (an ALPH chunk, or the image chunk)
   * through the image chunk at {@code image} with its padding byte, within {@code end}.
   */
  private void setChunks(int start, int image, int length, int end) {
    chunksStart = start;
    chunksEnd = Math.min(image + 8 + padded(length), end);
  }

  /** The size in a VP8 key frame header or a VP8L header. */
  private void readBitstreamSize(String type, int body, int length) throws BadImageException {
    lossy = type.equals("VP8 ");
    if (type.equals("VP8L")) {
      if (length < 5 || (data[body] & 0xFF) != 0x2F) {
        throw new BadImageException("corrupt WebP data (bad VP8L header)");
      }
      long bits = u32(body + 1);
      frameWidth = (int) (bits & 0x3FFF) + 1;
      frameHeight = (int) ((bits >> 14) & 0x3FFF) + 1;
      if ((bits >>> 29) != 0) {
        throw new BadImageException("corrupt WebP data (VP8L version " + (bits >>> 29) + ")");
      }
      return;
    }
    if (length < 10
        || (data[body] & 1) != 0
        || (data[body + 3] & 0xFF) != 0x9D
        || (data[body + 4] & 0xFF) != 0x01
        || (data[body + 5] & 0xFF) != 0x2A) {
      throw new BadImageException("corrupt WebP data (bad VP8 key frame header)");
    }
    frameWidth = u16(body + 6) & 0x3FFF;
    frameHeight = u16(body + 8) & 0x3FFF;
  }

  /** The length of the chunk whose header is at {@code p}, checked to end by {@code end}. */
  private int chunkLength(int p, int end) throws BadImageException {
    if (p + 8 > end) {
      throw truncated("chunk header incomplete");
    }
    long length = u32(p + 4);
    if (p + 8 + length > end) {
      throw truncated("chunk " + chunkType(p) + " extends past the end of the data");
    }
    return (int) length;
  }

  /** The 4-character chunk type at {@code p}, or its hex value when it is not printable. */
  private String chunkType(int p) {
    StringBuilder type = new StringBuilder(4);
    for (int i = 0; i < 4; i++) {
      char c = (char) (data[p + i] & 0xFF);
      if (c < 0x20 || c > 0x7E) {
        return String.format("0x%08x", u32(p));
      }
      type.append(c);
    }
    return type.toString();
  }

  private boolean startsWithAscii(int p, String prefix) {
    for (int i = 0; i < prefix.length(); i++) {
      if (data[p + i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Chunks are padded to an even length. */
  private static int padded(int length) {
    return length + (length & 1);
  }

  private int u16(int p) {
    return (data[p] & 0xFF) | ((data[p + 1] & 0xFF) << 8);
  }

  private int u24(int p) {
    return u16(p) | ((data[p + 2] & 0xFF) << 16);
  }

  private long u32(int p) {
    return u24(p) | ((long) (data[p + 3] & 0xFF) << 24);
  }

  private static BadImageException truncated(String why) {
    return new BadImageException("truncated WebP data (" + why + ")");
  }
}
