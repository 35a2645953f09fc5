package io.mmserve.vision.image;

import java.util.HashMap;
import java.util.Map;

/**
 * The first image file directory (IFD) of a classic TIFF ("II*\0" or "MM\0*"): its integer-valued
 * tags (BYTE, SHORT, LONG), read with every offset and count checked against the data, so that a
 * cut or corrupt header is refused here instead of inside a decoder. BigTIFF is refused by name.
 */
final class TiffDirectory {
  private static final int TYPE_BYTE = 1;
  private static final int TYPE_SHORT = 3;
  private static final int TYPE_LONG = 4;

  private final byte[] data;
  private final boolean little;
  private final Map<Integer, long[]> values = new HashMap<>();

  private TiffDirectory(byte[] data, boolean little) {
    this.data = data;
    this.little = little;
  }

  /** Reads the first IFD of {@code data}, which starts with a TIFF byte-order mark. */
  static TiffDirectory read(byte[] data) throws BadImageException {
    if (data.length < 8) {
      throw truncated("header incomplete");
    }
    TiffDirectory directory = new TiffDirectory(data, data[0] == 'I');
    if (directory.u16(2) == 43) {
      throw new BadImageException("unsupported image format BigTIFF (classic TIFF is supported)");
    }
    directory.readEntries(directory.u32(4));
    return directory;
  }

  /** Whether the directory has {@code tag}. */
  boolean has(int tag) {
    return values.containsKey(tag);
  }

  /** All values of {@code tag}, or {@code fallback} when the tag is absent. */
  long[] values(int tag, long[] fallback) {
    return values.getOrDefault(tag, fallback);
  }

  /** The first value of {@code tag}, or {@code fallback} when the tag is absent. */
  long value(int tag, long fallback) {
    long[] v = values.get(tag);
    return v == null || v.length == 0 ? fallback : v[0];
  }

  /** The first value of a tag that must be present. */
  long required(int tag, String name) throws BadImageException {
    long[] v = values.get(tag);
    if (v == null || v.length == 0) {
      throw new BadImageException("corrupt TIFF data (no " + name + " tag)");
    }
    return v[0];
  }

  private void readEntries(long ifd) throws BadImageException {
    if (ifd < 8 || ifd + 2 > data.length) {
      throw truncated("first directory at offset " + ifd + " is past the end of the data");
    }
    int p = (int) ifd;
    int count = u16(p);
    if (p + 2 + 12L * count > data.length) {
      throw truncated("first directory incomplete");
    }
    for (int i = 0, e = p + 2; i < count; i++, e += 12) {
      int tag = u16(e);
      int type = u16(e + 2);
      long n = u32(e + 4);
      int size =
          switch (type) {
            case TYPE_BYTE -> 1;
            case TYPE_SHORT -> 2;
            case TYPE_LONG -> 4;
            default -> 0; // rationals, strings and the like: no tag read here has them
          };
      if (size == 0 || values.containsKey(tag)) {
        continue;
      }
      long bytes = n * size;
      long at = bytes <= 4 ? e + 8 : u32(e + 8);
      if (at + bytes > data.length) {
        throw truncated("values of tag " + tag + " are past the end of the data");
      }
      long[] v = new long[(int) n];
      for (int k = 0; k < n; k++) {
        int q = (int) at + k * size;
        v[k] =
            switch (type) {
              case TYPE_BYTE -> data[q] & 0xFF;
              case TYPE_SHORT -> u16(q);
              default -> u32(q);
            };
      }
      values.put(tag, v);
    }
  }

  private int u16(int p) {
    int b0 = data[p] & 0xFF;
    int b1 = data[p + 1] & 0xFF;
    return little ? b0 | (b1 << 8) : (b0 << 8) | b1;
  }

  private long u32(int p) {
    long lo = u16(little ? p : p + 2);
    long hi = u16(little ? p + 2 : p);
    return (hi << 16) | lo;
  }

  private static BadImageException truncated(String why) {
    return new BadImageException("truncated TIFF data (" + why + ")");
  }
}
