package io.mmserve.vision.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The image fixtures and PIL reference outputs written by {@code
 * src/test/python/make_preprocess_fixtures.py} (see its docstring for what each file holds).
 */
final class Fixtures {
  /** Preprocessing of the reference outputs: the bundled pack's rule, short side and crop 64. */
  static final ClipPreprocessorConfig CONFIG =
      ClipPreprocessorConfig.of(
          64,
          64,
          64,
          0.00392156862745098,
          new double[] {0.48145466, 0.4578275, 0.40821073},
          new double[] {0.26862954, 0.26130258, 0.27577711});

  /** One fixture image and what was recorded for it. */
  record Fixture(
      String name, String file, int width, int height, boolean lossy, List<String> outputs) {
    byte[] bytes() {
      return resource(file);
    }

    /** PIL's exif_transpose + convert("RGB") of the file, HxWx3. */
    byte[] decodedReference() {
      return resource(name + ".rgb.bin");
    }

    /** PIL's resize + centre crop of the decoded image, 64x64x3. */
    byte[] cropReference() {
      return resource(name + ".crop.bin");
    }

    @Override
    public String toString() {
      return file;
    }
  }

  private Fixtures() {}

  static List<Fixture> all() {
    List<Fixture> fixtures = new ArrayList<>();
    for (String line : new String(resource("fixtures.tsv"), StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t");
      fixtures.add(
          new Fixture(
              f[0],
              f[1],
              Integer.parseInt(f[2]),
              Integer.parseInt(f[3]),
              Boolean.parseBoolean(f[4]),
              Arrays.asList(f[5].split(","))));
    }
    return fixtures;
  }

  static List<Fixture> where(Predicate<Fixture> filter) {
    return all().stream().filter(filter).toList();
  }

  static Fixture named(String name) {
    return all().stream()
        .filter(f -> f.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no fixture " + name));
  }

  /** The normalised value of each uint8 level per channel: [channel][level]. */
  static float[][] normalizeTable() {
    ByteBuffer buffer =
        ByteBuffer.wrap(resource("normalize_table.f32")).order(ByteOrder.LITTLE_ENDIAN);
    float[][] table = new float[3][256];
    for (int c = 0; c < 3; c++) {
      for (int v = 0; v < 256; v++) {
        table[c][v] = buffer.getFloat();
      }
    }
    return table;
  }

  /** Lines of sizes.tsv, split into fields, without the header. */
  static List<String[]> sizeTable() {
    List<String[]> rows = new ArrayList<>();
    for (String line : new String(resource("sizes.tsv"), StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        rows.add(line.split("\t"));
      }
    }
    return rows;
  }

  static byte[] resource(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("missing test resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Largest absolute difference between two equally long arrays of unsigned bytes. */
  static int maxAbsDiff(byte[] expected, byte[] actual) {
    if (expected.length != actual.length) {
      throw new AssertionError("lengths differ: " + expected.length + " vs " + actual.length);
    }
    int max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF)));
    }
    return max;
  }
}
