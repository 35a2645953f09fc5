package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mmserve.api.v1.Embedding;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingFormatTest {
  private static final Embedding TEN_VALUES =
      Embedding.newBuilder()
          .setIndex(0)
          .addAllValues(List.of(0.6f, -0.8f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0.00001f))
          .setTruncated(true)
          .setTokenCount(24)
          .build();
  private static final Embedding TWO_VALUES =
      Embedding.newBuilder().setIndex(1).addAllValues(List.of(1f, 0f)).setTokenCount(3).build();

  private static EmbeddingFormat.Answer texts() {
    return new EmbeddingFormat.Answer(
        "shapes-clip",
        "1.0.0",
        List.of(TEN_VALUES, TWO_VALUES),
        List.of("a \"long\" text", "x"),
        true);
  }

  @Test
  void readable_printsHeaderAndOneLinePerText() {
    assertEquals(
        "shapes-clip 1.0.0: 2 embeddings\n"
            + "[0] dims=10 norm=1.0000 truncated=true tokens=24 values=[+0.6000, -0.8000, +0.0000,"
            + " +0.0000, +0.0000, +0.0000, +0.0000, +0.0000, ...]  \"a \\\"long\\\" text\"\n"
            + "[1] dims=2 norm=1.0000 truncated=false tokens=3 values=[+1.0000, +0.0000]  \"x\"\n",
        EmbeddingFormat.readable(texts()));
  }

  @Test
  void readable_imagesShowFileNameAndNoTextFields() {
    String out =
        EmbeddingFormat.readable(
            new EmbeddingFormat.Answer(
                "m",
                "v",
                List.of(TWO_VALUES.toBuilder().setIndex(0).build()),
                List.of("cat.jpg"),
                false));

    assertEquals(
        "m v: 1 embedding\n[0] dims=2 norm=1.0000 values=[+1.0000, +0.0000]  cat.jpg\n", out);
  }

  @Test
  void json_holdsModelAndEveryValueOfEveryEmbedding() {
    JsonObject root = JsonParser.parseString(EmbeddingFormat.json(texts())).getAsJsonObject();

    assertEquals("shapes-clip", root.get("model").getAsString());
    assertEquals("1.0.0", root.get("model_version").getAsString());
    JsonArray embeddings = root.getAsJsonArray("embeddings");
    assertEquals(2, embeddings.size());
    JsonObject first = embeddings.get(0).getAsJsonObject();
    assertEquals(0, first.get("index").getAsInt());
    assertEquals("a \"long\" text", first.get("input").getAsString());
    assertEquals(10, first.get("dims").getAsInt());
    assertTrue(first.get("truncated").getAsBoolean());
    assertEquals(24, first.get("token_count").getAsInt());
    JsonArray values = first.getAsJsonArray("values");
    assertEquals(10, values.size());
    assertEquals(0.00001f, values.get(9).getAsFloat());
    assertEquals(1.0, first.get("norm").getAsDouble(), 1e-6);
  }

  @Test
  void json_isOneLine() {
    String json = EmbeddingFormat.json(texts());

    assertTrue(json.endsWith("\n"));
    assertFalse(json.substring(0, json.length() - 1).contains("\n"));
  }

  @Test
  void json_imagesHaveNoTextFields() {
    JsonObject item =
        JsonParser.parseString(
                EmbeddingFormat.json(
                    new EmbeddingFormat.Answer(
                        "m", "v", List.of(TWO_VALUES), List.of("a.png", "b.png"), false)))
            .getAsJsonObject()
            .getAsJsonArray("embeddings")
            .get(0)
            .getAsJsonObject();

    assertEquals("b.png", item.get("input").getAsString());
    assertFalse(item.has("truncated"));
    assertFalse(item.has("token_count"));
  }
}
