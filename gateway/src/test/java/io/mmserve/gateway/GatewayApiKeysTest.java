package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.MetadataUtils;
import io.mmserve.api.v1.DeleteRequest;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalBlockingStub;
import io.mmserve.gateway.auth.ApiKey;
import io.mmserve.gateway.auth.ApiKeyInterceptor;
import io.mmserve.gateway.auth.AuthSettings;
import io.mmserve.gateway.auth.Permission;
import io.mmserve.testsupport.ReflectionClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway with a keys file, wired as Main wires it: gRPC and HTTP/JSON calls need a key that
 * may make them; health and reflection stay open unless reflection is closed.
 */
class GatewayApiKeysTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 4, 8, 8, 8, 8);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;
  private final String readKey = ApiKey.newSecret();
  private final String writeKey = ApiKey.newSecret();
  private InProcessGateway stack;

  @AfterEach
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  private void start(boolean closeReflection) throws IOException {
    Path keys = dir.resolve("keys");
    Files.writeString(
        keys,
        new ApiKey("reader", ApiKey.hash(readKey), Permission.READ).line()
            + "\n"
            + new ApiKey("writer", ApiKey.hash(writeKey), Permission.WRITE).line()
            + "\n");
    stack =
        new InProcessGateway(
            LIMITS,
            100,
            Map.of(
                AuthSettings.KEYS_FILE,
                keys.toString(),
                AuthSettings.CLOSE_REFLECTION,
                Boolean.toString(closeReflection)));
    stack.textEncoder.vectors.put("a red circle", new float[] {3, 4, 0, 0});
  }

  @Test
  void noKeyOrAnUnknownKey_isUnauthenticated() throws IOException {
    start(false);

    assertEquals(Status.Code.UNAUTHENTICATED, embedFails(stack.client()));
    assertEquals(Status.Code.UNAUTHENTICATED, embedFails(withKey(ApiKey.newSecret())));
    assertEquals(Status.Code.UNAUTHENTICATED, embedFails(withAuthorization("Basic " + readKey)));
  }

  @Test
  void aReadKey_mayEmbed_butNotDelete() throws IOException {
    start(false);

    assertEquals(1, embed(withKey(readKey)).getEmbeddingsCount());
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> withKey(readKey).delete(delete()));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals(
        "API key reader (read) may not call mmserve.v1.Multimodal/Delete",
        e.getStatus().getDescription());
  }

  @Test
  void aWriteKey_mayDelete() throws IOException {
    start(false);

    withKey(writeKey).delete(delete());

    assertEquals(
        1.0,
        stack
            .registry
            .get(ApiKeyInterceptor.REQUESTS)
            .tags("key", "writer", "method", "mmserve.v1.Multimodal/Delete", "status", "OK")
            .counter()
            .count());
  }

  @Test
  void healthAndReflection_needNoKey() throws Exception {
    start(false);

    HealthGrpc.newBlockingStub(stack.gatewayChannel).check(HealthCheckRequest.getDefaultInstance());
    listServices().get(10, TimeUnit.SECONDS);
  }

  @Test
  void closedReflection_needsAKey() throws Exception {
    start(true);

    HealthGrpc.newBlockingStub(stack.gatewayChannel).check(HealthCheckRequest.getDefaultInstance());
    var failure = listServices().handle((ok, error) -> Status.fromThrowable(error).getCode());
    assertEquals(Status.Code.UNAUTHENTICATED, failure.get(10, TimeUnit.SECONDS));
  }

  @Test
  void httpRoutes_needTheSameKeys() throws Exception {
    start(false);
    URI base = stack.startHttp(1 << 20);
    try (HttpClient client = HttpClient.newHttpClient()) {
      String body = "{\"texts\": [\"a red circle\"]}";

      assertEquals(401, post(client, base, "/v1/texts:embed", body, null).statusCode());
      assertEquals(200, post(client, base, "/v1/texts:embed", body, readKey).statusCode());
      assertEquals(
          403,
          post(client, base, "/v1/collections/c/items:delete", "{\"ids\": [\"x\"]}", readKey)
              .statusCode());
      String openAi = "{\"input\": [\"a red circle\"]}";
      assertEquals(401, post(client, base, "/v1/embeddings", openAi, null).statusCode());
      HttpResponse<String> ok = post(client, base, "/v1/embeddings", openAi, readKey);
      assertEquals(200, ok.statusCode(), ok.body());
    }
  }

  private static HttpResponse<String> post(
      HttpClient client, URI base, String path, String json, String key) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (key != null) {
      request.header("authorization", "Bearer " + key);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<ServerReflectionResponse> listServices() {
    return ReflectionClient.listServices(stack.gatewayChannel);
  }

  private static DeleteRequest delete() {
    return DeleteRequest.newBuilder().setCollection("c").addIds("x").build();
  }

  private static io.mmserve.api.v1.EmbedTextResponse embed(MultimodalBlockingStub stub) {
    return stub.embedText(EmbedTextRequest.newBuilder().addTexts("a red circle").build());
  }

  private static Status.Code embedFails(MultimodalBlockingStub stub) {
    return assertThrows(StatusRuntimeException.class, () -> embed(stub)).getStatus().getCode();
  }

  private MultimodalBlockingStub withKey(String key) {
    return withAuthorization("Bearer " + key);
  }

  private MultimodalBlockingStub withAuthorization(String value) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, value);
    return stack.client().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }
}
