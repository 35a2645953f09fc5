package io.mmserve.stackit;

import static io.mmserve.stackit.CanaryRequests.assertClose;
import static io.mmserve.stackit.CanaryRequests.classify;
import static io.mmserve.stackit.CanaryRequests.image;
import static io.mmserve.stackit.CanaryRequests.logits;
import static io.mmserve.stackit.CanaryRequests.match;
import static io.mmserve.stackit.CanaryRequests.maxDifference;
import static io.mmserve.stackit.CanaryRequests.rank;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.hash.Hashing;
import com.google.gson.JsonParser;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.Collection;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ListCollectionsRequest;
import io.mmserve.api.v1.MatchResponse;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.RankResponse;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.SearchResponse;
import io.mmserve.api.v1.UpsertRequest;
import io.mmserve.testsupport.LocalStackProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./mmserve up --canary PACK --canary-weight 30} with the bundled pack as stable (1.0.0) and
 * its int8 encoders packaged as 1.1.0-int8 by models/int8-version.sh: the split, sticky routing
 * keys, one version per multi-call request, pinned requests, gallery collections and the
 * per-version metrics, all against the real processes.
 */
class CanaryRoutingIT {
  private static final String MODEL = "shapes-clip";
  private static final String STABLE = "1.0.0";
  private static final String CANARY = "1.1.0-int8";
  private static final int WEIGHT = 30;
  private static final Set<String> VERSIONS = Set.of(STABLE, CANARY);
  private static final Metadata.Key<String> ROUTE_KEY =
      Metadata.Key.of("mmserve-route-key", Metadata.ASCII_STRING_MARSHALLER);

  private static LocalStackProcess stack;
  private static ManagedChannel channel;

  @BeforeAll
  static void startStackWithACanary() throws Exception {
    Path pack = CanaryPack.make("canary-pack");
    stack =
        LocalStackProcess.start(
            Path.of("target/stack-it"),
            List.of("--canary", pack.toString(), "--canary-weight", Integer.toString(WEIGHT)),
            Map.of());
    channel = NettyChannelBuilder.forTarget(stack.gatewayTarget()).usePlaintext().build();
  }

  @AfterAll
  static void stopStack() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (stack != null) {
      stack.close();
    }
  }

  private static MultimodalGrpc.MultimodalBlockingStub stub(String routeKey) {
    MultimodalGrpc.MultimodalBlockingStub stub =
        MultimodalGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    if (routeKey == null) {
      return stub;
    }
    Metadata headers = new Metadata();
    headers.put(ROUTE_KEY, routeKey);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static String embedTextVersion(String routeKey, String model) {
    return stub(routeKey)
        .embedText(EmbedTextRequest.newBuilder().addTexts("a red circle").setModel(model).build())
        .getModelVersion();
  }

  /** The version the documented rule gives a key: murmur3_32 of its UTF-8 bytes, mod 100. */
  private static String versionOfKey(String key) {
    int bucket =
        Math.floorMod(
            Hashing.murmur3_32_fixed().hashString(key, StandardCharsets.UTF_8).asInt(), 100);
    return bucket < WEIGHT ? CANARY : STABLE;
  }

  private static String keyOn(String version) {
    for (int i = 0; ; i++) {
      if (versionOfKey("user-" + i).equals(version)) {
        return "user-" + i;
      }
    }
  }

  private static void assertBinomial(int hits, int n, double p, String what) {
    double sigma = Math.sqrt(n * p * (1 - p));
    assertTrue(
        Math.abs(hits - n * p) <= 4.5 * sigma,
        what + ": " + hits + " of " + n + ", expected " + n * p + " +- " + 4.5 * sigma);
  }

  @Test
  void requestsWithoutKey_reportTheCanaryAtItsWeight() {
    int n = 300;
    int canary = 0;
    for (int i = 0; i < n; i++) {
      String version = embedTextVersion(null, "");
      assertTrue(VERSIONS.contains(version), version);
      canary += version.equals(CANARY) ? 1 : 0;
    }
    assertBinomial(canary, n, WEIGHT / 100.0, "responses reporting " + CANARY);
  }

  @Test
  void aRoutingKey_alwaysGetsItsVersion_overGrpcAndHttp() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    int onCanary = 0;
    for (int i = 0; i < 40; i++) {
      String key = "session-" + i;
      String expected = versionOfKey(key);
      onCanary += expected.equals(CANARY) ? 1 : 0;
      for (int call = 0; call < 3; call++) {
        assertEquals(expected, embedTextVersion(key, call == 0 ? "" : MODEL), key);
      }
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(stack.httpUrl() + "/v1/texts:embed"))
                  .header("content-type", "application/json")
                  .header("mmserve-route-key", key)
                  .POST(HttpRequest.BodyPublishers.ofString("{\"texts\": [\"a red circle\"]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), response.body());
      assertEquals(
          expected,
          JsonParser.parseString(response.body())
              .getAsJsonObject()
              .get("modelVersion")
              .getAsString(),
          "HTTP, " + key);
    }
    assertTrue(onCanary > 0 && onCanary < 40, "keys on the canary: " + onCanary);
  }

  @Test
  void aPinnedRequest_ignoresTheWeightsAndTheKey() {
    String canaryKey = keyOn(CANARY);
    String stableKey = keyOn(STABLE);
    for (int i = 0; i < 20; i++) {
      assertEquals(STABLE, embedTextVersion(canaryKey, MODEL + "@" + STABLE));
      assertEquals(CANARY, embedTextVersion(stableKey, MODEL + "@" + CANARY));
      assertEquals(STABLE, embedTextVersion(null, MODEL + "@" + STABLE));
    }
  }

  /**
   * Every encoder call of a Classify, Rank or Match served by one version, checked on the encoders'
   * own per-pack item counters (mmserve_batch_size_sum by pack id): between two serial requests
   * only the answering version's counters move. The labels are new each time, so the text encoder
   * is called every time (not the gateway's label cache). The stable version's logits, whose fp32
   * encoders do not depend on how items are batched, must also equal a pinned call's (the int8
   * canary's dynamic quantisation makes its numbers depend on the batch, so no such check).
   */
  @Test
  void classifyRankAndMatch_neverMixVersions() throws Exception {
    List<Image> images =
        List.of(image("red", "circle"), image("blue", "square"), image("green", "star"));
    List<String> fixedLabels = List.of("red circle", "blue square", "green star");
    List<Float> stableLogits =
        logits(stub(null).classify(classify(images, fixedLabels, MODEL + "@" + STABLE)));
    List<Float> canaryLogits =
        logits(stub(null).classify(classify(images, fixedLabels, MODEL + "@" + CANARY)));
    assertTrue(maxDifference(stableLogits, canaryLogits) > 0.05, "the versions answer alike");

    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      List<String> labels = List.of("red circle " + i, "blue square " + i, "green star " + i);
      Map<String, Double> before = encodedItems();
      ClassifyResponse c = stub(null).classify(classify(images, labels, ""));
      assertEncodedBy(c.getModelVersion(), before, 3, 3, "Classify " + i);
      seen.add(c.getModelVersion());
      ClassifyResponse fixed = stub(null).classify(classify(images, fixedLabels, ""));
      assertTrue(VERSIONS.contains(fixed.getModelVersion()), fixed.getModelVersion());
      if (fixed.getModelVersion().equals(STABLE)) {
        assertClose(stableLogits, logits(fixed), "Classify " + i, STABLE);
      }

      before = encodedItems();
      RankResponse r = stub(null).rank(rank(images, "a red circle " + i));
      assertEncodedBy(r.getModelVersion(), before, 1, 3, "Rank " + i);

      before = encodedItems();
      MatchResponse m = stub(null).match(match(images, labels));
      assertEncodedBy(m.getModelVersion(), before, 3, 3, "Match " + i);
    }
    assertTrue(seen.containsAll(VERSIONS), "both versions served Classify: " + seen);
  }

  /** Items each encoder ran per version so far: "text@VERSION" and "image@VERSION". */
  private static Map<String, Double> encodedItems() throws Exception {
    Map<String, Double> items = new HashMap<>();
    for (String service : List.of("text-encoder-svc", "vision-encoder-svc")) {
      String page =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(stack.metricsUrl(service))).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      for (String line : page.split("\n")) {
        if (!line.startsWith("mmserve_batch_size_sum{")) {
          continue;
        }
        for (String batcher : List.of("text", "image")) {
          for (String version : VERSIONS) {
            if (line.contains("batcher=\"" + batcher + "\"")
                && line.contains("model=\"" + MODEL + "@" + version + "\"")) {
              items.merge(
                  batcher + "@" + version,
                  Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)),
                  Double::sum);
            }
          }
        }
      }
    }
    return items;
  }

  private static void assertEncodedBy(
      String version, Map<String, Double> before, int texts, int images, String what)
      throws Exception {
    assertTrue(VERSIONS.contains(version), what + ": " + version);
    Map<String, Double> after = encodedItems();
    Map<String, Double> expected = new HashMap<>();
    for (String v : VERSIONS) {
      expected.put("text@" + v, v.equals(version) ? (double) texts : 0.0);
      expected.put("image@" + v, v.equals(version) ? (double) images : 0.0);
    }
    Map<String, Double> moved = new HashMap<>();
    expected
        .keySet()
        .forEach(k -> moved.put(k, after.getOrDefault(k, 0.0) - before.getOrDefault(k, 0.0)));
    assertEquals(expected, moved, what + " answered as " + version);
  }

  @Test
  void galleryCollections_stayOnTheVersionTheyWereCreatedWith() {
    String suffix = Long.toString(System.nanoTime());
    for (String version : VERSIONS) {
      String collection = "canary-it-" + version.replace('.', '-') + "-" + suffix;
      String other = version.equals(CANARY) ? STABLE : CANARY;
      stub(keyOn(version))
          .upsert(
              UpsertRequest.newBuilder()
                  .setCollection(collection)
                  .addItems(GalleryItem.newBuilder().setId("circle").setText("a red circle"))
                  .build());
      // later calls whose key would route to the other version still use the collection's
      stub(keyOn(other))
          .upsert(
              UpsertRequest.newBuilder()
                  .setCollection(collection)
                  .addItems(GalleryItem.newBuilder().setId("star").setText("a green star"))
                  .build());
      SearchResponse found =
          stub(keyOn(other))
              .search(
                  SearchRequest.newBuilder()
                      .setCollection(collection)
                      .setText("a red circle")
                      .setTopK(2)
                      .build());

      Collection described =
          stub(null)
              .listCollections(ListCollectionsRequest.getDefaultInstance())
              .getCollectionsList()
              .stream()
              .filter(c -> c.getName().equals(collection))
              .findFirst()
              .orElseThrow();
      assertEquals(version, described.getModelVersion(), collection);
      assertEquals(2, described.getSize());
      assertEquals("circle", found.getHits(0).getId());
      // the query was embedded by the version that stored the item: the same vector
      assertTrue(found.getHits(0).getScore() > 0.999, "score " + found.getHits(0).getScore());
    }
  }

  @Test
  void perVersionMetrics_countTheRequestsOfEachVersion() throws Exception {
    for (int i = 0; i < 5; i++) {
      embedTextVersion(null, MODEL + "@" + STABLE);
      embedTextVersion(null, MODEL + "@" + CANARY);
    }
    String page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(stack.metricsUrl("gateway"))).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String version : VERSIONS) {
      String series =
          "mmserve_gateway_model_requests_seconds_count{method=\"mmserve.v1.Multimodal/EmbedText\","
              + "model=\""
              + MODEL
              + "\",status=\"OK\",version=\""
              + version
              + "\"}";
      double count = sample(page, series);
      assertTrue(count >= 5, series + " = " + count);
    }
    assertTrue(
        page.contains("mmserve_gateway_model_requests_seconds_bucket{"),
        "no histogram buckets:\n" + page);
  }

  private static double sample(String page, String series) throws IOException {
    for (String line : page.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).strip());
      }
    }
    throw new AssertionError("no sample " + series + " in:\n" + page);
  }
}
