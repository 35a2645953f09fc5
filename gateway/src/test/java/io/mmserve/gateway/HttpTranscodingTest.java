package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's HTTP/JSON port over a real loopback socket, in front of the same in-process service
 * and fake backends as the gRPC tests: every route of the proto's google.api.http options answers,
 * statuses map to HTTP codes with the field violations in the body, and /gallery/ serves the page.
 */
class HttpTranscodingTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 4, 8, 8, 8, 8);
  private static final int MAX_MESSAGE_BYTES = 1 << 20;

  private final HttpClient client = HttpClient.newHttpClient();
  private InProcessGateway stack;
  private URI base;

  @BeforeEach
  void start() throws IOException {
    stack = new InProcessGateway(LIMITS, 100);
    stack.textEncoder.vectors.put("a red circle", new float[] {3, 4, 0, 0});
    stack.visionEncoder.vectors.put("img", new float[] {0, 0, 1});
    base = stack.startHttp(MAX_MESSAGE_BYTES);
  }

  @AfterEach
  void stop() {
    stack.close();
    client.close();
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return client.send(
        HttpRequest.newBuilder(base.resolve(path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(base.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(HttpResponse<String> response) {
    return JsonParser.parseString(response.body()).getAsJsonObject();
  }

  private static String base64(String bytes) {
    return Base64.getEncoder().encodeToString(bytes.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void embedTexts_answersTheEmbeddingsAsProto3Json() throws Exception {
    HttpResponse<String> response =
        post("/v1/texts:embed", "{\"texts\": [\"a red circle\"], \"requestId\": \"r1\"}");

    assertEquals(200, response.statusCode(), response.body());
    JsonObject body = json(response);
    assertEquals("r1", body.get("requestId").getAsString());
    assertEquals(
        "[3.0,4.0,0.0,0.0]",
        body.getAsJsonArray("embeddings").get(0).getAsJsonObject().get("values").toString());
    assertEquals(FakeTextEncoder.MODEL, body.get("model").getAsString());
  }

  @Test
  void embedImage_takesTheEncodedFileAsBase64() throws Exception {
    HttpResponse<String> response =
        post("/v1/images:embed", "{\"images\": [{\"encoded\": \"" + base64("img") + "\"}]}");

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(
        "img",
        stack.visionEncoder.lastRequest.getImages(0).getEncoded().toString(StandardCharsets.UTF_8));
    assertEquals(
        "[0.0,0.0,1.0]",
        json(response)
            .getAsJsonArray("embeddings")
            .get(0)
            .getAsJsonObject()
            .get("values")
            .toString());
  }

  @Test
  void classify_answersOneClassificationPerImage() throws Exception {
    HttpResponse<String> response =
        post(
            "/v1/images:classify",
            "{\"images\": [{\"encoded\": \""
                + base64("img")
                + "\"}], \"labels\": [\"circle\", \"square\"]}");

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(1, json(response).getAsJsonArray("classifications").size());
  }

  @Test
  void galleryRoutes_upsertSearchListAndDelete() throws Exception {
    HttpResponse<String> upsert =
        post(
            "/v1/collections/shapes/items",
            "{\"items\": [{\"id\": \"t1\", \"text\": \"a red circle\","
                + " \"metadata\": {\"colour\": \"red\"}}]}");
    HttpResponse<String> search =
        post("/v1/collections/shapes:search", "{\"text\": \"a red circle\", \"topK\": 3}");
    HttpResponse<String> list = get("/v1/collections");
    HttpResponse<String> delete =
        post("/v1/collections/shapes/items:delete", "{\"ids\": [\"t1\"]}");

    assertEquals(200, upsert.statusCode(), upsert.body());
    assertEquals(1, json(upsert).get("upserted").getAsInt());
    assertEquals("shapes", stack.gallery.lastUpsert.getCollection());
    assertEquals(200, search.statusCode(), search.body());
    assertEquals(
        "hit",
        json(search).getAsJsonArray("hits").get(0).getAsJsonObject().get("id").getAsString());
    assertEquals(3, stack.gallery.lastSearch.getTopK());
    assertEquals(200, list.statusCode(), list.body());
    assertEquals(
        "shapes",
        json(list)
            .getAsJsonArray("collections")
            .get(0)
            .getAsJsonObject()
            .get("name")
            .getAsString());
    assertEquals(200, delete.statusCode(), delete.body());
    assertEquals("shapes", stack.gallery.lastDelete.getCollection());
    assertEquals("t1", stack.gallery.lastDelete.getIds(0));
  }

  @Test
  void badInput_is400WithTheFieldViolation() throws Exception {
    stack.gallery.add("c", FakeTextEncoder.MODEL, FakeTextEncoder.VERSION, 4, 1);
    HttpResponse<String> response =
        post(
            "/v1/collections/c/items",
            "{\"items\": [{\"id\": \"e\", \"embedding\": {\"values\": [1, 0]}}]}");

    assertEquals(400, response.statusCode(), response.body());
    JsonObject body = json(response);
    assertEquals("INVALID_ARGUMENT", body.get("grpc-code").getAsString());
    assertEquals(
        "items[0].embedding: 2 values, but model fake-clip@0.0.7 embeds into 4 dimensions",
        body.get("message").getAsString());
    JsonObject detail = body.getAsJsonArray("details").get(0).getAsJsonObject();
    assertEquals("type.googleapis.com/google.rpc.BadRequest", detail.get("@type").getAsString());
    assertEquals(
        "items[0].embedding",
        detail
            .getAsJsonArray("fieldViolations")
            .get(0)
            .getAsJsonObject()
            .get("field")
            .getAsString());
  }

  @Test
  void tooManyTexts_is429WithTheFieldViolation() throws Exception {
    String texts = "\"t\", ".repeat(LIMITS.maxTexts()) + "\"t\"";
    HttpResponse<String> response = post("/v1/texts:embed", "{\"texts\": [" + texts + "]}");

    assertEquals(429, response.statusCode(), response.body());
    JsonObject body = json(response);
    assertEquals("RESOURCE_EXHAUSTED", body.get("grpc-code").getAsString());
    assertEquals(
        "texts: 9 texts exceed the limit of 8 per request", body.get("message").getAsString());
    JsonObject detail = body.getAsJsonArray("details").get(0).getAsJsonObject();
    assertEquals("type.googleapis.com/google.rpc.BadRequest", detail.get("@type").getAsString());
    assertEquals(
        "texts",
        detail
            .getAsJsonArray("fieldViolations")
            .get(0)
            .getAsJsonObject()
            .get("field")
            .getAsString());
  }

  @Test
  void unknownCollection_is404() throws Exception {
    HttpResponse<String> response =
        post("/v1/collections/nope:search", "{\"text\": \"a red circle\"}");

    assertEquals(404, response.statusCode(), response.body());
    assertEquals("collection 'nope' does not exist", json(response).get("message").getAsString());
  }

  @Test
  void malformedJson_is400() throws Exception {
    HttpResponse<String> response = post("/v1/texts:embed", "{\"texts\": [");

    assertEquals(400, response.statusCode(), response.body());
    assertEquals("INVALID_ARGUMENT", json(response).get("grpc-code").getAsString());
    assertTrue(
        json(response).get("message").getAsString().startsWith("Failed to parse JSON request"),
        response.body());
  }

  @Test
  void unknownField_is400NamingIt() throws Exception {
    HttpResponse<String> response = post("/v1/texts:embed", "{\"textz\": [\"a\"]}");

    assertEquals(400, response.statusCode(), response.body());
    assertEquals("INVALID_ARGUMENT", json(response).get("grpc-code").getAsString());
    assertEquals(
        "request body: Cannot find field: textz in message mmserve.v1.EmbedTextRequest",
        json(response).get("message").getAsString());
  }

  @Test
  void unknownRoute_is404() throws Exception {
    assertEquals(404, post("/v1/nothing:here", "{}").statusCode());
    assertEquals(404, get("/nothing").statusCode());
  }

  @Test
  void bodyOverTheLimit_is413() throws Exception {
    String big = "x".repeat(MAX_MESSAGE_BYTES * 2);
    HttpResponse<String> response = post("/v1/texts:embed", "{\"texts\": [\"" + big + "\"]}");

    assertEquals(413, response.statusCode(), response.body());
    assertEquals("RESOURCE_EXHAUSTED", json(response).get("grpc-code").getAsString());
  }

  @Test
  void curl_embedsATextAsTheDocsShow() throws Exception {
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "--max-time",
                "60",
                "-w",
                "\n%{http_code}",
                "-H",
                "content-type: application/json",
                "-d",
                "{\"texts\": [\"a red circle\"]}",
                base.resolve("/v1/texts:embed").toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertEquals(0, curl.waitFor(), output);
    String[] bodyAndStatus = output.split("\n(?=\\d{3}$)");
    assertEquals("200", bodyAndStatus[1], output);
    assertEquals(
        "[3.0,4.0,0.0,0.0]",
        JsonParser.parseString(bodyAndStatus[0])
            .getAsJsonObject()
            .getAsJsonArray("embeddings")
            .get(0)
            .getAsJsonObject()
            .get("values")
            .toString());
  }

  @Test
  void gallery_servesTheHtmlPage() throws Exception {
    HttpResponse<String> page = get("/gallery/");
    HttpResponse<String> bare = get("/gallery");

    assertEquals(200, page.statusCode());
    assertTrue(
        page.headers().firstValue("content-type").orElse("").startsWith("text/html"),
        page.headers().toString());
    assertTrue(page.body().contains("<html"), page.body());
    assertEquals(307, bare.statusCode());
    assertEquals("/gallery/", bare.headers().firstValue("location").orElse(""));
  }
}
