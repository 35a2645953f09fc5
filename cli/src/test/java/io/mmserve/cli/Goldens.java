package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.Image;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundled pack's reference outputs (reference/index.json and its arrays) as {@link
 * LocalStackIT} reads them, and the arithmetic it checks the gateway's answers with.
 */
final class Goldens {
  static final JsonObject INDEX = ReferencePack.index();
  static final Path REFERENCE = ReferencePack.referenceDir();

  private Goldens() {}

  static ClassifyRequest goldenClassify(List<String> labels) {
    ClassifyRequest.Builder request = ClassifyRequest.newBuilder().addAllLabels(labels);
    for (int i = 0; i < goldenImageCount(); i++) {
      request.addImages(goldenImage(i));
    }
    return request.build();
  }

  static int goldenImageCount() {
    return INDEX.getAsJsonArray("images").size();
  }

  static Image goldenImage(int i) {
    try {
      byte[] bytes =
          Files.readAllBytes(REFERENCE.resolve(file(INDEX.getAsJsonArray("images").get(i))));
      return Image.newBuilder().setEncoded(ByteString.copyFrom(bytes)).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The pack's logit scale, from its model.json. */
  static float logitScale() throws IOException {
    JsonObject manifest =
        JsonParser.parseString(Files.readString(ReferencePack.dir().resolve("model.json")))
            .getAsJsonObject();
    return manifest.get("logit_scale").getAsFloat();
  }

  static double dot(float[] rows, int offset, Embedding embedding) {
    double sum = 0;
    for (int d = 0; d < embedding.getValuesCount(); d++) {
      sum += (double) rows[offset + d] * embedding.getValues(d);
    }
    return sum;
  }

  static double[] softmax(double[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    double[] out = new double[logits.length];
    for (int k = 0; k < logits.length; k++) {
      out[k] = Math.exp(logits[k] - max);
      sum += out[k];
    }
    for (int k = 0; k < logits.length; k++) {
      out[k] /= sum;
    }
    return out;
  }

  /** Embedding {@code actual} is unit-norm and within the pack's tolerance of row {@code row}. */
  static void assertMatches(Npy.Array expected, int row, Embedding actual, String what) {
    double tolerance = INDEX.getAsJsonObject("tolerances").get("embeddings_abs").getAsDouble();
    int dims = (int) expected.shape()[1];
    float[] values = expected.floats();
    assertEquals(dims, actual.getValuesCount(), what);
    double sumOfSquares = 0;
    for (int c = 0; c < dims; c++) {
      float v = actual.getValues(c);
      sumOfSquares += v * v;
      assertEquals(values[row * dims + c], v, tolerance, what + ", value " + c);
    }
    assertEquals(1.0, Math.sqrt(sumOfSquares), 1e-4, what + ": norm");
  }

  static Npy.Array npy(String name) {
    return ReferencePack.array(name);
  }

  static String file(JsonElement image) {
    return image.getAsJsonObject().get("file").getAsString();
  }

  static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.getAsString()));
    return out;
  }
}
