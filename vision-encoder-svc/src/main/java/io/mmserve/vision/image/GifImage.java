package io.mmserve.vision.image;

import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * The first frame of a GIF, as PIL shows it: the canvas is the logical screen (grown to fit the
 * frame if the frame sticks out), filled with the frame's transparent index if it has one and with
 * index 0 otherwise; the frame's indices are placed at its offset and looked up in its local colour
 * table, else the global one, else read as grey levels. Later frames are ignored. The frame's data
 * blocks must be complete, else the file was cut short.
 */
final class GifImage implements EncodedImage {
  private final byte[] data;
  private final ImageIoReaders readers;
  private int width;
  private int height;
  private int frameLeft;
  private int frameTop;
  private int frameWidth;
  private int frameHeight;
  private byte[] palette; // null: no colour table, indices are grey levels
  private int fillIndex;

  private GifImage(byte[] data, ImageIoReaders readers) {
    this.data = data;
    this.readers = readers;
  }

  /** Walks the blocks of {@code data} up to the end of the first frame. */
  static GifImage parse(byte[] data, ImageIoReaders readers) throws BadImageException {
    GifImage image = new GifImage(data, readers);
    image.walkToFirstFrame();
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
    BufferedImage frame = readers.readImage(readers.gif(), data, frameWidth, frameHeight, "GIF");
    RasterRows rows = new RasterRows(frame.getRaster());
    int[] indices = new int[width * height];
    Arrays.fill(indices, fillIndex);
    for (int y = 0; y < frameHeight; y++) {
      int[] s = rows.readInts(y);
      System.arraycopy(s, 0, indices, (frameTop + y) * width + frameLeft, frameWidth);
    }
    byte[] rgb = new byte[width * height * 3];
    for (int i = 0, o = 0; i < indices.length; i++, o += 3) {
      int index = indices[i];
      if (palette == null) {
        rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) index;
      } else if (index * 3 + 2 < palette.length) {
        rgb[o] = palette[index * 3];
        rgb[o + 1] = palette[index * 3 + 1];
        rgb[o + 2] = palette[index * 3 + 2];
      }
    }
    return new RgbImage(width, height, rgb);
  }

  private void walkToFirstFrame() throws BadImageException {
    need(13);
    width = u16(6);
    height = u16(8);
    int flags = data[10] & 0xFF;
    int p = 13;
    byte[] globalPalette = null;
    if ((flags & 0x80) != 0) {
      int size = 3 << ((flags & 7) + 1);
      need(p + size);
      globalPalette = Arrays.copyOfRange(data, p, p + size);
      p += size;
    }
    Integer transparent = null;
    while (true) {
      need(p + 1);
      int block = data[p++] & 0xFF;
      if (block == 0x21) { // extension: label, then data sub-blocks
        need(p + 1);
        int label = data[p++] & 0xFF;
        if (label == 0xF9 && p < data.length && (data[p] & 0xFF) >= 4) {
          need(p + 5);
          transparent = (data[p + 1] & 1) != 0 ? (data[p + 4] & 0xFF) : null;
        }
        p = skipSubBlocks(p);
      } else if (block == 0x2C) { // image descriptor
        need(p + 9);
        frameLeft = u16(p);
        frameTop = u16(p + 2);
        frameWidth = u16(p + 4);
        frameHeight = u16(p + 6);
        int frameFlags = data[p + 8] & 0xFF;
        p += 9;
        palette = globalPalette;
        if ((frameFlags & 0x80) != 0) {
          int size = 3 << ((frameFlags & 7) + 1);
          need(p + size);
          palette = Arrays.copyOfRange(data, p, p + size);
          p += size;
        }
        need(p + 1);
        skipSubBlocks(p + 1); // after the LZW minimum code size
        if (frameWidth == 0 || frameHeight == 0) {
          throw new BadImageException(
              "zero-sized image (first GIF frame is " + frameWidth + "x" + frameHeight + ")");
        }
        width = Math.max(width, frameLeft + frameWidth);
        height = Math.max(height, frameTop + frameHeight);
        fillIndex = transparent != null ? transparent : 0;
        return;
      } else if (block == 0x3B) {
        throw new BadImageException("corrupt GIF data (no image in the file)");
      } else {
        throw new BadImageException(
            "corrupt GIF data (unknown block 0x" + Integer.toHexString(block) + ")");
      }
    }
  }

  private int skipSubBlocks(int p) throws BadImageException {
    while (true) {
      need(p + 1);
      int size = data[p] & 0xFF;
      p += 1 + size;
      if (size == 0) {
        return p;
      }
    }
  }

  private void need(int length) throws BadImageException {
    if (data.length < length) {
      throw new BadImageException("truncated GIF data (first frame incomplete)");
    }
  }

  private int u16(int p) {
    return (data[p] & 0xFF) | ((data[p + 1] & 0xFF) << 8);
  }
}
