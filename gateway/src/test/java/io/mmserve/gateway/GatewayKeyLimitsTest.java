package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalBlockingStub;
import io.mmserve.gateway.auth.ApiKey;
import io.mmserve.gateway.auth.AuthSettings;
import io.mmserve.gateway.auth.KeyLimitGate;
import io.mmserve.gateway.auth.LimitSetting;
import io.mmserve.gateway.auth.Permission;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key limits in the gateway as Main wires it (batching, fake encoders behind): a refused call never
 * reaches an encoder; HTTP/JSON answers 429 with Retry-After. Time from a fake clock.
 */
class GatewayKeyLimitsTest {
  private static final RequestLimits LIMITS = new RequestLimits(64, 4, 8, 8, 8, 8);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;
  private final String limitedKey = ApiKey.newSecret();
  private final String otherKey = ApiKey.newSecret();
  private long now = 1_000_000_000L;
  private InProcessGateway stack;

  @BeforeEach
  void start() throws Exception {
    Path keys = dir.resolve("keys");
    Files.writeString(
        keys,
        new ApiKey(
                    "limited",
                    ApiKey.hash(limitedKey),
                    Permission.READ,
                    Map.of(LimitSetting.RPS, 2, LimitSetting.BURST, 1, LimitSetting.ITEMS, 20))
                .line()
            + "\n"
            + new ApiKey("other", ApiKey.hash(otherKey), Permission.READ).line()
            + "\n");
    stack =
        new InProcessGateway(
            LIMITS,
            100,
            Map.of(AuthSettings.KEYS_FILE, keys.toString(), "auth.limits.requests-per-second", "0"),
            () -> now);
    stack.textEncoder.vectors.put("a red circle", new float[] {3, 4, 0, 0});
  }

  @AfterEach
  void stop() {
    stack.close();
  }

  @Test
  void aRefusedCall_neverReachesTheEncoder_andAnotherKeyIsServed() {
    withKey(limitedKey).embedText(texts(1));
    int encoderCalls = stack.textEncoder.calls;

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> withKey(limitedKey).embedText(texts(1)));
    StatusRuntimeException items =
        assertThrows(
            StatusRuntimeException.class,
            () -> {
              now += TimeUnit.MILLISECONDS.toNanos(500);
              withKey(limitedKey).embedText(texts(21));
            });

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals("500", e.getTrailers().get(KeyLimitGate.PUSHBACK));
    assertEquals("-1", items.getTrailers().get(KeyLimitGate.PUSHBACK));
    assertEquals(encoderCalls, stack.textEncoder.calls);
    for (int i = 0; i < 5; i++) {
      assertEquals(1, withKey(otherKey).embedText(texts(1)).getEmbeddingsCount());
    }
  }

  @Test
  void overHttp_aKeyOverItsLimit_gets429WithRetryAfter() throws Exception {
    URI base = stack.startHttp(1 << 20);
    try (HttpClient client = HttpClient.newHttpClient()) {
      String body = "{\"texts\": [\"a red circle\"]}";
      assertEquals(200, post(client, base, "/v1/texts:embed", body).statusCode());

      HttpResponse<String> refused = post(client, base, "/v1/texts:embed", body);

      assertEquals(429, refused.statusCode(), refused.body());
      assertEquals("1", refused.headers().firstValue("retry-after").orElse("none"));
      assertTrue(refused.body().contains("API key limited is over its limit"), refused.body());

      HttpResponse<String> openAi =
          post(client, base, "/v1/embeddings", "{\"input\": [\"a red circle\"]}");
      assertEquals(429, openAi.statusCode(), openAi.body());
      assertEquals("1", openAi.headers().firstValue("retry-after").orElse("none"));
    }
  }

  private HttpResponse<String> post(HttpClient client, URI base, String path, String json)
      throws Exception {
    return client.send(
        HttpRequest.newBuilder(base.resolve(path))
            .header("content-type", "application/json")
            .header("authorization", "Bearer " + limitedKey)
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static EmbedTextRequest texts(int n) {
    EmbedTextRequest.Builder request = EmbedTextRequest.newBuilder();
    for (int i = 0; i < n; i++) {
      request.addTexts("a red circle");
    }
    return request.build();
  }

  private MultimodalBlockingStub withKey(String key) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + key);
    return stack.client().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }
}
