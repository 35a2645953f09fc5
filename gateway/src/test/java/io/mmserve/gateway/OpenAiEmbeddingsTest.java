package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's {@code POST /v1/embeddings} on the gateway's HTTP port over a real loopback socket, in
 * front of the in-process service and fake encoders: texts, images as data URLs, both mixed, the
 * base64 encoding, token usage, and every error in OpenAI's shape with its HTTP status.
 */
class OpenAiEmbeddingsTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 4, 8, 8, 8, 8);
  private static final String MODEL_ID = FakeTextEncoder.MODEL + "@" + FakeTextEncoder.VERSION;

  private final HttpClient client = HttpClient.newHttpClient();
  private InProcessGateway stack;
  private URI base;

  @BeforeEach
  void start() throws Exception {
    stack = new InProcessGateway(LIMITS, 100);
    stack.textEncoder.vectors.put("a red circle", new float[] {3, 4, 0, 0});
    stack.textEncoder.vectors.put("a blue square", new float[] {0, 0, 1, 0.5f});
    stack.visionEncoder.vectors.put("img", new float[] {0, 0, 1, 0});
    base = stack.startHttp(1 << 20);
  }

  @AfterEach
  void stop() {
    stack.close();
    client.close();
  }

  private HttpResponse<String> post(String json) throws Exception {
    return client.send(
        HttpRequest.newBuilder(base.resolve("/v1/embeddings"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(HttpResponse<String> response) {
    return JsonParser.parseString(response.body()).getAsJsonObject();
  }

  private static JsonObject error(HttpResponse<String> response) {
    return json(response).getAsJsonObject("error");
  }

  private static String dataUrl(String type, String bytes) {
    return "data:"
        + type
        + ";base64,"
        + Base64.getEncoder().encodeToString(bytes.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonArray embedding(JsonObject body, int i) {
    return body.getAsJsonArray("data").get(i).getAsJsonObject().getAsJsonArray("embedding");
  }

  @Test
  void oneText_answersOpenAisShapeWithTheTokenCount() throws Exception {
    HttpResponse<String> response = post("{\"input\": \"a red circle\", \"model\": \"fake-clip\"}");

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(
        "application/json; charset=utf-8",
        response.headers().firstValue("content-type").orElse(""));
    assertEquals(
        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[3.0,4.0,0.0,0.0]}],\"model\":\""
            + MODEL_ID
            + "\",\"usage\":{\"prompt_tokens\":12,\"total_tokens\":12}}",
        response.body());
    assertEquals("fake-clip", stack.textEncoder.lastRequest.getModel());
  }

  @Test
  void batchOfTexts_answersInInputOrderAndSumsTheTokens() throws Exception {
    HttpResponse<String> response =
        post("{\"input\": [\"a blue square\", \"a red circle\"], \"model\": \"fake-clip\"}");

    assertEquals(200, response.statusCode(), response.body());
    JsonObject body = json(response);
    assertEquals("[0.0,0.0,1.0,0.5]", embedding(body, 0).toString());
    assertEquals("[3.0,4.0,0.0,0.0]", embedding(body, 1).toString());
    assertEquals(1, body.getAsJsonArray("data").get(1).getAsJsonObject().get("index").getAsInt());
    // "a blue square" is cut at 10 characters: 10 + 2, and 12 + 2 for "a red circle"
    assertEquals(24, body.getAsJsonObject("usage").get("prompt_tokens").getAsInt());
    assertEquals(24, body.getAsJsonObject("usage").get("total_tokens").getAsInt());
  }

  @Test
  void base64Encoding_isTheLittleEndianFloat32OfTheSameValues() throws Exception {
    HttpResponse<String> response =
        post("{\"input\": [\"a red circle\"], \"model\": \"\", \"encoding_format\": \"base64\"}");

    assertEquals(200, response.statusCode(), response.body());
    String encoded =
        json(response)
            .getAsJsonArray("data")
            .get(0)
            .getAsJsonObject()
            .get("embedding")
            .getAsString();
    ByteBuffer bytes =
        ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[bytes.remaining() / Float.BYTES];
    bytes.asFloatBuffer().get(values);
    assertEquals("[3.0, 4.0, 0.0, 0.0]", java.util.Arrays.toString(values));
  }

  @Test
  void imageDataUrl_isEmbeddedByTheVisionEncoder() throws Exception {
    HttpResponse<String> response =
        post("{\"input\": [\"" + dataUrl("image/png", "img") + "\"], \"model\": \"fake-clip\"}");

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(
        "img",
        stack.visionEncoder.lastRequest.getImages(0).getEncoded().toString(StandardCharsets.UTF_8));
    assertEquals("[0.0,0.0,1.0,0.0]", embedding(json(response), 0).toString());
    assertEquals(0, json(response).getAsJsonObject("usage").get("prompt_tokens").getAsInt());
    assertEquals(0, stack.textEncoder.calls);
  }

  @Test
  void mixedTextsAndImages_eachRoutedByItsKindInInputOrder() throws Exception {
    HttpResponse<String> response =
        post(
            "{\"input\": [\"a red circle\", \""
                + dataUrl("image/webp", "img")
                + "\", \"a blue square\"]}");

    assertEquals(200, response.statusCode(), response.body());
    JsonObject body = json(response);
    assertEquals("[3.0,4.0,0.0,0.0]", embedding(body, 0).toString());
    assertEquals("[0.0,0.0,1.0,0.0]", embedding(body, 1).toString());
    assertEquals("[0.0,0.0,1.0,0.5]", embedding(body, 2).toString());
    assertEquals(24, body.getAsJsonObject("usage").get("prompt_tokens").getAsInt());
    assertEquals(
        "[a red circle, a blue square]", stack.textEncoder.lastRequest.getTextsList().toString());
    assertEquals(1, stack.visionEncoder.lastRequest.getImagesCount());
  }

  @Test
  void infinitysModality_textTakesADataUrlAsTextAndImageRequiresImages() throws Exception {
    String url = dataUrl("image/png", "img");
    HttpResponse<String> asText = post("{\"input\": [\"" + url + "\"], \"modality\": \"text\"}");
    HttpResponse<String> asImage = post("{\"input\": [\"" + url + "\"], \"modality\": \"image\"}");

    assertEquals(200, asText.statusCode(), asText.body());
    assertEquals(url, stack.textEncoder.lastRequest.getTexts(0));
    assertEquals(200, asImage.statusCode(), asImage.body());
    assertEquals(1, stack.visionEncoder.calls);
    assertInvalid(
        "{\"input\": [\"" + url + "\", \"a cat\"], \"modality\": \"image\"}",
        "input",
        "input[1]: with modality 'image' every input must be an image data URL"
            + " (data:image/png;base64,...)");
    assertInvalid(
        "{\"input\": \"a\", \"modality\": \"audio\"}",
        "modality",
        "modality must be 'text' or 'image', but was 'audio'");
  }

  @Test
  void dimensionsOfTheModel_isAccepted() throws Exception {
    assertEquals(200, post("{\"input\": \"a red circle\", \"dimensions\": 4}").statusCode());
  }

  @Test
  void user_isIgnored() throws Exception {
    assertEquals(200, post("{\"input\": \"a red circle\", \"user\": \"u-1\"}").statusCode());
  }

  private void assertInvalid(String body, String param, String message) throws Exception {
    HttpResponse<String> response = post(body);

    assertEquals(400, response.statusCode(), response.body());
    JsonObject error = error(response);
    assertEquals("invalid_request_error", error.get("type").getAsString(), response.body());
    assertEquals(param, error.get("param").isJsonNull() ? null : error.get("param").getAsString());
    assertEquals(message, error.get("message").getAsString());
    assertTrue(error.get("code").isJsonNull(), response.body());
  }

  @Test
  void tokenArrays_are400NamingTheInput() throws Exception {
    assertInvalid(
        "{\"input\": [\"a\", [49406, 320]]}",
        "input",
        "input[1]: token arrays are not accepted; send the text (this server tokenizes with the"
            + " model's own tokenizer)");
    assertInvalid(
        "{\"input\": [49406, 320]}",
        "input",
        "input[0]: token arrays are not accepted; send the text (this server tokenizes with the"
            + " model's own tokenizer)");
  }

  @Test
  void missingOrEmptyInput_is400() throws Exception {
    assertInvalid("{\"model\": \"fake-clip\"}", "input", "input is required");
    assertInvalid(
        "{\"input\": []}", "input", "input must be a string or a non-empty array of strings");
    assertInvalid("{\"input\": [\"a\", {}]}", "input", "input[1]: must be a string");
  }

  @Test
  void otherDimensions_is400NamingTheModelsDimension() throws Exception {
    assertInvalid(
        "{\"input\": \"a red circle\", \"dimensions\": 256}",
        "dimensions",
        "dimensions 256 is not supported: this model embeds into 4 dimensions (omit dimensions or"
            + " send 4)");
  }

  @Test
  void unknownEncodingFormat_is400() throws Exception {
    assertInvalid(
        "{\"input\": \"a\", \"encoding_format\": \"int8\"}",
        "encoding_format",
        "encoding_format must be 'float' or 'base64', but was 'int8'");
  }

  @Test
  void unknownArgument_is400NamingIt() throws Exception {
    assertInvalid(
        "{\"input\": \"a\", \"truncate\": true}",
        "truncate",
        "unrecognized request argument supplied: truncate");
  }

  @Test
  void malformedJson_is400() throws Exception {
    HttpResponse<String> response = post("{\"input\": [");

    assertEquals(400, response.statusCode(), response.body());
    assertTrue(
        error(response)
            .get("message")
            .getAsString()
            .startsWith("the request body is not valid JSON: "),
        response.body());
  }

  @Test
  void imageUrls_areRefusedNotFetched() throws Exception {
    assertInvalid(
        "{\"input\": [\"a\", \"https://example.org/cat.jpg?size=2\"]}",
        "input",
        "input[1]: image URLs are not fetched; send the image as a data URL"
            + " (data:image/png;base64,...)");
  }

  @Test
  void dataUrlOfAnotherType_is400() throws Exception {
    assertInvalid(
        "{\"input\": [\"" + dataUrl("text/plain", "hi") + "\"]}",
        "input",
        "input[0]: data URL of type 'text/plain'; images may be png, jpeg, gif, bmp, webp or tiff");
    assertInvalid(
        "{\"input\": [\"data:image/png,abc\"]}",
        "input",
        "input[0]: a data URL must be data:image/TYPE;base64,DATA");
  }

  @Test
  void imageTheEncoderCannotDecode_is400NamingItsInputIndex() throws Exception {
    stack.visionEncoder.corrupt.add("bad");

    assertInvalid(
        "{\"input\": [\"a red circle\", \"" + dataUrl("image/jpeg", "bad") + "\"]}",
        "input",
        "input[1]: " + FakeVisionEncoder.CORRUPT_MESSAGE);
  }

  @Test
  void tooManyInputs_is400WithTheLimit() throws Exception {
    String texts = "\"t\", ".repeat(LIMITS.maxTexts()) + "\"t\"";

    assertInvalid(
        "{\"input\": [" + texts + "]}",
        "input",
        "texts: 9 texts exceed the limit of 8 per request");
  }

  @Test
  void unknownModel_is404ModelNotFound() throws Exception {
    stack.textEncoder.failWith =
        Status.INVALID_ARGUMENT.withDescription(
            "unknown model 'text-embedding-3-small'; this server serves fake-clip@0.0.7");
    HttpResponse<String> response =
        post("{\"input\": \"a\", \"model\": \"text-embedding-3-small\"}");

    assertEquals(404, response.statusCode(), response.body());
    JsonObject error = error(response);
    assertEquals("invalid_request_error", error.get("type").getAsString());
    assertEquals("model", error.get("param").getAsString());
    assertEquals("model_not_found", error.get("code").getAsString());
    assertEquals(
        "unknown model 'text-embedding-3-small'; this server serves fake-clip@0.0.7",
        error.get("message").getAsString());
  }

  @Test
  void overload_is429WithoutAFieldAnd503WhenUnavailable() throws Exception {
    stack.textEncoder.failWith = Status.RESOURCE_EXHAUSTED.withDescription("queue full");
    HttpResponse<String> busy = post("{\"input\": \"a\"}");
    stack.textEncoder.failWith = Status.UNAVAILABLE.withDescription("encoder down");
    HttpResponse<String> down = post("{\"input\": \"a\"}");

    assertEquals(429, busy.statusCode(), busy.body());
    assertEquals("rate_limit_error", error(busy).get("type").getAsString());
    assertEquals(503, down.statusCode(), down.body());
    assertEquals("server_error", error(down).get("type").getAsString());
  }
}
