package io.mmserve.testsupport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} files (format 1.0-3.0, C order, little-endian or single-byte dtypes):
 * the format of the model pack's reference outputs. Only the dtypes the packs use are accepted. For
 * tests and benchmarks; no service reads .npy files.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  private Npy() {}

  /**
   * An array read from a file: its dtype ({@code <f4}, {@code <i8}, {@code |u1}), shape and data.
   */
  public record Array(String dtype, long[] shape, ByteBuffer data) {
    public long size() {
      return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    public float[] floats() {
      require("<f4");
      float[] out = new float[(int) size()];
      data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      return out;
    }

    public long[] longs() {
      require("<i8");
      long[] out = new long[(int) size()];
      data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
      return out;
    }

    /** Row {@code row} of a float32 array of shape [N, ...], flattened. */
    public float[] floatRow(int row) {
      float[] all = floats();
      int width = rowWidth();
      return Arrays.copyOfRange(all, row * width, (row + 1) * width);
    }

    /** Row {@code row} of an int64 array of shape [N, ...], flattened. */
    public long[] longRow(int row) {
      long[] all = longs();
      int width = rowWidth();
      return Arrays.copyOfRange(all, row * width, (row + 1) * width);
    }

    private int rowWidth() {
      return (int) (size() / shape[0]);
    }

    /** Unsigned bytes as ints 0..255. */
    public int[] unsignedBytes() {
      require("|u1");
      ByteBuffer b = data.duplicate();
      int[] out = new int[(int) size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = b.get() & 0xFF;
      }
      return out;
    }

    private void require(String wanted) {
      if (!dtype.equals(wanted)) {
        throw new IllegalStateException("array has dtype " + dtype + ", not " + wanted);
      }
    }
  }

  public static Array read(Path file) throws IOException {
    return parse(Files.readAllBytes(file), file.toString());
  }

  static Array parse(byte[] bytes, String name) {
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
      throw new IllegalArgumentException(name + ": not a .npy file");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int major = bytes[6];
    int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort(8)) : buf.getInt(8);
    int start = major == 1 ? 10 : 12;
    String header = new String(bytes, start, headerLen, StandardCharsets.ISO_8859_1);
    String dtype = group(DESCR, header, name);
    if (group(FORTRAN, header, name).equals("True")) {
      throw new IllegalArgumentException(name + ": Fortran-order arrays are not supported");
    }
    long[] shape =
        Arrays.stream(group(SHAPE, header, name).split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .mapToLong(Long::parseLong)
            .toArray();
    ByteBuffer data =
        ByteBuffer.wrap(bytes, start + headerLen, bytes.length - start - headerLen)
            .slice()
            .order(ByteOrder.LITTLE_ENDIAN);
    return new Array(dtype, shape, data);
  }

  private static String group(Pattern p, String header, String name) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IllegalArgumentException(name + ": malformed .npy header: " + header);
    }
    return m.group(1);
  }
}
