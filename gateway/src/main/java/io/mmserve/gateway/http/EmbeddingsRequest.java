package io.mmserve.gateway.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * An OpenAI embeddings request ({@code POST /v1/embeddings}), read from its JSON body and checked
 * before any model runs.
 *
 * @param inputs the items of {@code input}, in order
 * @param model the {@code model} field as sent ("" when absent)
 * @param base64 whether {@code encoding_format} is {@code base64}
 * @param dimensions the {@code dimensions} field, when sent
 */
record EmbeddingsRequest(
    List<EmbeddingInput> inputs, String model, boolean base64, OptionalInt dimensions) {
  private static final Set<String> FIELDS =
      Set.of("input", "model", "encoding_format", "dimensions", "user", "modality");

  /**
   * Parses and checks a request body.
   *
   * @throws OpenAiException (400 invalid_request_error) naming the field, or the input index and
   *     the rule
   */
  static EmbeddingsRequest parse(String body) {
    JsonObject json = object(body);
    for (String field : json.keySet()) {
      if (!FIELDS.contains(field)) {
        throw OpenAiException.invalid(field, "unrecognized request argument supplied: " + field);
      }
    }
    return new EmbeddingsRequest(
        inputs(json.get("input"), modality(string(json, "modality", ""))),
        string(json, "model", ""),
        base64(string(json, "encoding_format", "float")),
        dimensions(json.get("dimensions")));
  }

  private static JsonObject object(String body) {
    try {
      JsonElement json = JsonParser.parseString(body);
      if (json.isJsonObject()) {
        return json.getAsJsonObject();
      }
    } catch (JsonParseException e) {
      throw OpenAiException.invalid(null, "the request body is not valid JSON: " + e.getMessage());
    }
    throw OpenAiException.invalid(null, "the request body must be a JSON object");
  }

  private static List<EmbeddingInput> inputs(JsonElement input, EmbeddingInput.Modality modality) {
    if (input == null || input.isJsonNull()) {
      throw OpenAiException.invalid("input", "input is required");
    }
    if (isString(input)) {
      return List.of(EmbeddingInput.of(input.getAsString(), 0, modality));
    }
    if (!input.isJsonArray() || input.getAsJsonArray().isEmpty()) {
      throw OpenAiException.invalid(
          "input", "input must be a string or a non-empty array of strings");
    }
    JsonArray items = input.getAsJsonArray();
    List<EmbeddingInput> inputs = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      JsonElement item = items.get(i);
      if (item.isJsonPrimitive() && item.getAsJsonPrimitive().isNumber() || item.isJsonArray()) {
        throw OpenAiException.invalid(
            "input",
            "input["
                + i
                + "]: token arrays are not accepted; send the text (this server tokenizes with"
                + " the model's own tokenizer)");
      }
      if (!isString(item)) {
        throw OpenAiException.invalid("input", "input[" + i + "]: must be a string");
      }
      inputs.add(EmbeddingInput.of(item.getAsString(), i, modality));
    }
    return List.copyOf(inputs);
  }

  /** Infinity's {@code modality}: absent routes each input by its kind. */
  private static EmbeddingInput.Modality modality(String modality) {
    return switch (modality) {
      case "" -> EmbeddingInput.Modality.AUTO;
      case "text" -> EmbeddingInput.Modality.TEXT;
      case "image" -> EmbeddingInput.Modality.IMAGE;
      default ->
          throw OpenAiException.invalid(
              "modality", "modality must be 'text' or 'image', but was '" + modality + "'");
    };
  }

  private static String string(JsonObject json, String field, String absent) {
    JsonElement value = json.get(field);
    if (value == null || value.isJsonNull()) {
      return absent;
    }
    if (!isString(value)) {
      throw OpenAiException.invalid(field, field + " must be a string");
    }
    return value.getAsString();
  }

  private static boolean base64(String format) {
    return switch (format) {
      case "float" -> false;
      case "base64" -> true;
      default ->
          throw OpenAiException.invalid(
              "encoding_format",
              "encoding_format must be 'float' or 'base64', but was '" + format + "'");
    };
  }

  private static OptionalInt dimensions(JsonElement value) {
    if (value == null || value.isJsonNull()) {
      return OptionalInt.empty();
    }
    if (!(value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber())) {
      throw OpenAiException.invalid("dimensions", "dimensions must be an integer");
    }
    double number = value.getAsDouble();
    if (number != Math.rint(number) || number < 1 || number > Integer.MAX_VALUE) {
      throw OpenAiException.invalid(
          "dimensions", "dimensions must be a positive integer, but was " + value);
    }
    return OptionalInt.of((int) number);
  }

  private static boolean isString(JsonElement value) {
    return value.isJsonPrimitive() && ((JsonPrimitive) value).isString();
  }
}
