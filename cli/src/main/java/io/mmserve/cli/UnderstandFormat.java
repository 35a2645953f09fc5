package io.mmserve.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mmserve.api.v1.Classification;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.LabelScore;
import io.mmserve.api.v1.MatchResponse;
import io.mmserve.api.v1.MatchResult;
import io.mmserve.api.v1.RankResponse;
import io.mmserve.api.v1.RankedCandidate;
import java.util.List;
import java.util.Locale;

/** Prints Classify, Match and Rank answers for people or as one JSON document per answer. */
final class UnderstandFormat {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private UnderstandFormat() {}

  static String readable(ClassifyResponse response, List<String> files) {
    StringBuilder out = header(response.getModel(), response.getModelVersion());
    for (Classification c : response.getClassificationsList()) {
      out.append('[').append(c.getIndex()).append("] ").append(at(files, c.getIndex()));
      out.append('\n');
      for (LabelScore s : c.getScoresList()) {
        out.append(
            String.format(
                Locale.ROOT,
                "    %.4f  %s  (logit %+.3f)%n",
                s.getProbability(),
                s.getLabel(),
                s.getLogit()));
      }
    }
    return out.toString();
  }

  static String json(ClassifyResponse response, List<String> files) {
    JsonObject root = root(response.getModel(), response.getModelVersion());
    JsonArray items = new JsonArray();
    for (Classification c : response.getClassificationsList()) {
      JsonObject item = new JsonObject();
      item.addProperty("index", c.getIndex());
      item.addProperty("input", at(files, c.getIndex()));
      JsonArray scores = new JsonArray();
      for (LabelScore s : c.getScoresList()) {
        JsonObject score = new JsonObject();
        score.addProperty("label", s.getLabel());
        score.addProperty("probability", s.getProbability());
        score.addProperty("logit", s.getLogit());
        scores.add(score);
      }
      item.add("scores", scores);
      items.add(item);
    }
    root.add("classifications", items);
    return GSON.toJson(root) + "\n";
  }

  static String readable(MatchResponse response, List<String> files, List<String> captions) {
    StringBuilder out = header(response.getModel(), response.getModelVersion());
    for (MatchResult r : response.getResultsList()) {
      out.append(
          String.format(
              Locale.ROOT,
              "[%d] probability=%.4f logit=%+.4f  %s  %s%n",
              r.getIndex(),
              r.getProbability(),
              r.getLogit(),
              at(files, r.getIndex()),
              GSON.toJson(at(captions, r.getIndex()))));
    }
    return out.toString();
  }

  static String json(MatchResponse response, List<String> files, List<String> captions) {
    JsonObject root = root(response.getModel(), response.getModelVersion());
    JsonArray items = new JsonArray();
    for (MatchResult r : response.getResultsList()) {
      JsonObject item = new JsonObject();
      item.addProperty("index", r.getIndex());
      item.addProperty("image", at(files, r.getIndex()));
      item.addProperty("text", at(captions, r.getIndex()));
      item.addProperty("probability", r.getProbability());
      item.addProperty("logit", r.getLogit());
      items.add(item);
    }
    root.add("results", items);
    return GSON.toJson(root) + "\n";
  }

  static String readable(RankResponse response, String query, List<String> candidates) {
    StringBuilder out = header(response.getModel(), response.getModelVersion());
    out.append("query: ").append(query).append('\n');
    int place = 1;
    for (RankedCandidate c : response.getResultsList()) {
      out.append(
          String.format(
              Locale.ROOT,
              "%d. [%d] similarity=%+.4f logit=%+.3f%s  %s%n",
              place++,
              c.getIndex(),
              c.getSimilarity(),
              c.getLogit(),
              c.getReranked()
                  ? String.format(Locale.ROOT, " match=%.4f", c.getMatchProbability())
                  : "",
              at(candidates, c.getIndex())));
    }
    return out.toString();
  }

  static String json(RankResponse response, String query, List<String> candidates) {
    JsonObject root = root(response.getModel(), response.getModelVersion());
    root.addProperty("query", query);
    JsonArray items = new JsonArray();
    for (RankedCandidate c : response.getResultsList()) {
      JsonObject item = new JsonObject();
      item.addProperty("index", c.getIndex());
      item.addProperty("input", at(candidates, c.getIndex()));
      item.addProperty("similarity", c.getSimilarity());
      item.addProperty("logit", c.getLogit());
      item.addProperty("reranked", c.getReranked());
      if (c.getReranked()) {
        item.addProperty("match_probability", c.getMatchProbability());
      }
      items.add(item);
    }
    root.add("results", items);
    return GSON.toJson(root) + "\n";
  }

  private static StringBuilder header(String model, String version) {
    return new StringBuilder().append(model).append(' ').append(version).append('\n');
  }

  private static JsonObject root(String model, String version) {
    JsonObject root = new JsonObject();
    root.addProperty("model", model);
    root.addProperty("model_version", version);
    return root;
  }

  private static String at(List<String> inputs, int index) {
    return index < inputs.size() ? inputs.get(index) : "";
  }
}
