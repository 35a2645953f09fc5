package io.mmserve.gateway.http;

import com.google.gson.stream.JsonWriter;
import com.linecorp.armeria.common.HttpStatus;
import io.mmserve.api.v1.Embedding;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * The answer to an OpenAI embeddings request, gathered from the service's answers and written in
 * OpenAI's shape: {@code {"object": "list", "data": [{"object": "embedding", "index",
 * "embedding"}], "model", "usage": {"prompt_tokens", "total_tokens"}}}. Not thread-safe; one per
 * request.
 */
final class EmbeddingsResponse {
  private final Embedding[] byInput;
  private String model;
  private long tokens;

  /**
   * @param inputs how many inputs the request had
   */
  EmbeddingsResponse(int inputs) {
    this.byInput = new Embedding[inputs];
  }

  /**
   * Takes one call's embeddings: embedding j belongs to input {@code inputIndex.get(j)}. Texts
   * count their tokens (after truncation, with start and end tokens); images count none.
   *
   * @throws OpenAiException (503, retryable) when the calls were answered by different versions of
   *     the model (during a canary rollout), whose embeddings are not comparable
   */
  void add(String name, String version, List<Embedding> embeddings, List<Integer> inputIndex) {
    String id = name + "@" + version;
    if (model != null && !model.equals(id)) {
      throw new OpenAiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "server_error",
          null,
          "service_unavailable",
          "texts were embedded by "
              + model
              + " and images by "
              + id
              + " (a rollout is in"
              + " progress); retry the request");
    }
    model = id;
    for (int j = 0; j < embeddings.size(); j++) {
      Embedding e = embeddings.get(j);
      byInput[inputIndex.get(j)] = e;
      tokens += e.getTokenCount();
    }
  }

  /** The length of the embeddings. */
  int dimensions() {
    return byInput[0].getValuesCount();
  }

  /**
   * @param base64 whether each embedding is the base64 of its little-endian float32 values
   */
  String toJson(boolean base64) {
    StringWriter text = new StringWriter();
    try (JsonWriter json = new JsonWriter(text)) {
      json.beginObject().name("object").value("list").name("data").beginArray();
      for (int i = 0; i < byInput.length; i++) {
        json.beginObject().name("object").value("embedding").name("index").value(i);
        json.name("embedding");
        if (base64) {
          json.value(base64(byInput[i]));
        } else {
          json.beginArray();
          Embedding embedding = byInput[i];
          for (int j = 0; j < embedding.getValuesCount(); j++) {
            json.value(embedding.getValues(j)); // the primitive getter: no Float per value
          }
          json.endArray();
        }
        json.endObject();
      }
      json.endArray().name("model").value(model);
      json.name("usage").beginObject();
      json.name("prompt_tokens").value(tokens).name("total_tokens").value(tokens);
      json.endObject().endObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return text.toString();
  }

  private static String base64(Embedding embedding) {
    int n = embedding.getValuesCount();
    ByteBuffer bytes = ByteBuffer.allocate(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int j = 0; j < n; j++) {
      bytes.putFloat(embedding.getValues(j));
    }
    return Base64.getEncoder().encodeToString(bytes.array());
  }
}
