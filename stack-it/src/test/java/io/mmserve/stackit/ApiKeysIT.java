package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.ReferencePack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ./mmserve keys new} and {@code ./mmserve up --api-keys FILE} as a user runs them: the
 * gateway's routes ask for a key of the file, a read key may embed but not delete, and neither the
 * output of the stack nor the gateway's metrics ever show a key (its id, yes).
 */
class ApiKeysIT {
  private static final String EMBED = "{\"texts\": [\"a red circle\"]}";

  @Test
  void theStackAsksForKeys_andNeverShowsOne() throws Exception {
    Path target = ReferencePack.repoRoot().resolve("stack-it/target");
    Path keys = target.resolve("api-keys-" + ProcessHandle.current().pid());
    java.nio.file.Files.deleteIfExists(keys);
    String readKey = CliKeys.newKey(keys, "reader", "read");
    String writeKey = CliKeys.newKey(keys, "writer", "write");

    try (LocalStackProcess stack =
            LocalStackProcess.start(target, List.of("--api-keys", keys.toString()), Map.of());
        HttpClient client = HttpClient.newHttpClient()) {
      URI base = URI.create(stack.httpUrl());

      assertEquals(401, post(client, base, "/v1/texts:embed", EMBED, null).statusCode());
      assertEquals(401, post(client, base, "/v1/texts:embed", EMBED, "mmk_nope").statusCode());
      assertEquals(200, post(client, base, "/v1/texts:embed", EMBED, readKey).statusCode());
      assertEquals(200, post(client, base, "/v1/texts:embed", EMBED, writeKey).statusCode());
      String delete = "{\"ids\": [\"x\"]}";
      assertEquals(
          403, post(client, base, "/v1/collections/c/items:delete", delete, readKey).statusCode());

      String metrics = get(client, URI.create(stack.metricsUrl("gateway")));
      assertTrue(
          metrics.contains("mmserve_gateway_key_requests_total{key=\"reader\""), "no key metric");
      String output = stack.output();
      assertTrue(output.contains("API keys on: 2 keys from " + keys), output);
      assertTrue(output.contains("key=reader PERMISSION_DENIED"), output);
      for (String shown : List.of(metrics, output)) {
        assertFalse(shown.contains(readKey) || shown.contains(writeKey), "a key was shown");
      }
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

  private static String get(HttpClient client, URI uri) throws Exception {
    return client
        .send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
