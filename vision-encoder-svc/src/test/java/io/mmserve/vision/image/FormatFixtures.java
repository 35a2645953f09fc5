package io.mmserve.vision.image;

import io.mmserve.testsupport.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The WebP and TIFF fixtures and PIL reference outputs written by {@code
 * src/test/python/make_format_fixtures.py} into the {@code formats/} resource folder (see its
 * docstring).
 */
final class FormatFixtures {
  private static final String FOLDER = "formats/";

  /** One fixture image and what was recorded for it. */
  record Fixture(
      String name,
      String file,
      String format,
      int width,
      int height,
      boolean lossy,
      List<String> outputs) {
    byte[] bytes() {
      return Fixtures.resource(FOLDER + file);
    }

    /** PIL's exif_transpose + convert("RGB") of the file, HxWx3. */
    byte[] decodedReference() {
      return npyBytes(name + ".rgb.npy");
    }

    /** PIL's resize + centre crop of the decoded image, 64x64x3. */
    byte[] cropReference() {
      return npyBytes(name + ".crop.npy");
    }

    @Override
    public String toString() {
      return file;
    }
  }

  private FormatFixtures() {}

  static List<Fixture> all() {
    List<Fixture> fixtures = new ArrayList<>();
    String table = new String(Fixtures.resource(FOLDER + "formats.tsv"), StandardCharsets.UTF_8);
    for (String line : table.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t");
      fixtures.add(
          new Fixture(
              f[0],
              f[1],
              f[2],
              Integer.parseInt(f[3]),
              Integer.parseInt(f[4]),
              Boolean.parseBoolean(f[5]),
              Arrays.asList(f[6].split(","))));
    }
    return fixtures;
  }

  static List<Fixture> where(String format, boolean lossy, String output) {
    return all().stream()
        .filter(
            f -> f.format().equals(format) && f.lossy() == lossy && f.outputs().contains(output))
        .toList();
  }

  static Fixture named(String name) {
    return all().stream()
        .filter(f -> f.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no fixture " + name));
  }

  /** The model input for a 64x64 crop, through the reference normalisation table. */
  static float[] normalized(byte[] crop) {
    float[][] table = Fixtures.normalizeTable();
    int plane = 64 * 64;
    float[] out = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        out[c * plane + i] = table[c][crop[i * 3 + c] & 0xFF];
      }
    }
    return out;
  }

  private static byte[] npyBytes(String name) {
    try {
      Path path = Path.of(FormatFixtures.class.getResource(FOLDER + name).toURI());
      Npy.Array array = Npy.read(path);
      int[] values = array.unsignedBytes();
      byte[] out = new byte[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = (byte) values[i];
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalArgumentException("missing test resource " + FOLDER + name, e);
    }
  }
}
