package io.mmserve.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mmserve.api.v1.Embedding;
import java.util.List;
import java.util.Locale;

/**
 * Prints embeddings for people (one line per item: index, size, norm, truncation, the first values,
 * the input) or as one JSON document.
 */
final class EmbeddingFormat {
  /** How many leading values the readable line shows. */
  static final int SHOWN_VALUES = 8;

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private EmbeddingFormat() {}

  /**
   * The answer of one call.
   *
   * @param model the model that computed the embeddings
   * @param modelVersion its version
   * @param embeddings in request order
   * @param inputs the texts or file names, in request order
   * @param texts true for text embeddings (they carry truncation and token counts)
   */
  record Answer(
      String model,
      String modelVersion,
      List<Embedding> embeddings,
      List<String> inputs,
      boolean texts) {}

  /** A header line and one line per embedding, each ending in a newline. */
  static String readable(Answer answer) {
    StringBuilder out = new StringBuilder();
    out.append(answer.model())
        .append(' ')
        .append(answer.modelVersion())
        .append(": ")
        .append(answer.embeddings().size())
        .append(answer.embeddings().size() == 1 ? " embedding" : " embeddings")
        .append('\n');
    for (Embedding e : answer.embeddings()) {
      out.append('[').append(e.getIndex()).append("] dims=").append(e.getValuesCount());
      out.append(String.format(Locale.ROOT, " norm=%.4f", norm(e)));
      if (answer.texts()) {
        out.append(" truncated=").append(e.getTruncated());
        out.append(" tokens=").append(e.getTokenCount());
      }
      out.append(" values=[");
      int shown = Math.min(SHOWN_VALUES, e.getValuesCount());
      for (int i = 0; i < shown; i++) {
        out.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%+.4f", e.getValues(i)));
      }
      out.append(e.getValuesCount() > shown ? ", ...]" : "]");
      out.append("  ").append(label(answer, e)).append('\n');
    }
    return out.toString();
  }

  /** One JSON object on one line, ending in a newline. */
  static String json(Answer answer) {
    JsonObject root = new JsonObject();
    root.addProperty("model", answer.model());
    root.addProperty("model_version", answer.modelVersion());
    JsonArray items = new JsonArray();
    for (Embedding e : answer.embeddings()) {
      JsonObject item = new JsonObject();
      item.addProperty("index", e.getIndex());
      item.addProperty("input", input(answer, e));
      item.addProperty("dims", e.getValuesCount());
      item.addProperty("norm", norm(e));
      if (answer.texts()) {
        item.addProperty("truncated", e.getTruncated());
        item.addProperty("token_count", e.getTokenCount());
      }
      JsonArray values = new JsonArray(e.getValuesCount());
      e.getValuesList().forEach(values::add);
      item.add("values", values);
      items.add(item);
    }
    root.add("embeddings", items);
    return GSON.toJson(root) + "\n";
  }

  /** The L2 norm, summed in double. */
  static double norm(Embedding e) {
    double sum = 0;
    for (int i = 0; i < e.getValuesCount(); i++) {
      double v = e.getValues(i);
      sum += v * v;
    }
    return Math.sqrt(sum);
  }

  private static String input(Answer answer, Embedding e) {
    int index = e.getIndex();
    return index < answer.inputs().size() ? answer.inputs().get(index) : "";
  }

  private static String label(Answer answer, Embedding e) {
    return answer.texts() ? GSON.toJson(input(answer, e)) : input(answer, e);
  }
}
