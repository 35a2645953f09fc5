package io.mmserve.cli;

import static io.mmserve.cli.Goldens.assertMatches;
import static io.mmserve.cli.Goldens.dot;
import static io.mmserve.cli.Goldens.file;
import static io.mmserve.cli.Goldens.goldenClassify;
import static io.mmserve.cli.Goldens.goldenImage;
import static io.mmserve.cli.Goldens.goldenImageCount;
import static io.mmserve.cli.Goldens.logitScale;
import static io.mmserve.cli.Goldens.npy;
import static io.mmserve.cli.Goldens.softmax;
import static io.mmserve.cli.Goldens.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServiceResponse;
import io.mmserve.api.v1.Classification;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedImageResponse;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ImageList;
import io.mmserve.api.v1.ImageTextPair;
import io.mmserve.api.v1.LabelScore;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MatchResponse;
import io.mmserve.api.v1.Matrix;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalBlockingStub;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.RankResponse;
import io.mmserve.api.v1.RankedCandidate;
import io.mmserve.api.v1.ScoreRequest;
import io.mmserve.api.v1.ScoreResponse;
import io.mmserve.kit.client.GrpcChannels;
import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import io.mmserve.testsupport.ReflectionClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack as a user runs it: {@code java -jar cli/target/cli.jar up} (what {@code ./mmserve
 * up} execs) starts the real gateway and encoder processes on ports of their own, and the test
 * calls the gateway over gRPC and through the CLI (embeddings, Classify, Match, Rank, Score),
 * checks the answers against the model pack's golden files, and finally stops the launcher with
 * SIGTERM.
 *
 * <p>Needs the services' jars: the reactor packages them before this module (see the POM).
 */
class LocalStackIT {
  private static final long CALL_SECONDS = 120;

  /** gateway, text encoder, vision encoder, fusion-svc, gallery-svc. */
  private static final int SERVICES = 5;

  /** The colours and shapes of the pack's training scenes: 32 labels such as "red circle". */
  private static final List<String> COLOURS =
      List.of("red", "green", "blue", "yellow", "purple", "orange", "white", "black");

  private static final List<String> SHAPES = List.of("circle", "square", "triangle", "star");

  private static Path root;
  private static Path reference;
  private static JsonObject index;
  private static LocalStackProcess stack;
  private static ManagedChannel channel;

  @BeforeAll
  static void startStack() throws Exception {
    root = ReferencePack.repoRoot();
    reference = ReferencePack.referenceDir();
    index = ReferencePack.index();
    stack = LocalStackProcess.start(root.resolve("cli/target/it-data"));
    assertEquals(SERVICES, stack.serviceProcesses().size(), stack::output);
    channel = GrpcChannels.plaintext(stack.gatewayTarget(), 64 << 20);
  }

  @AfterAll
  static void stopStack_sigtermStopsEveryServiceAndExitsZero() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (stack == null) {
      return;
    }
    try {
      assertEquals(0, stack.stopGracefully(), stack::output);
      for (ProcessHandle service : stack.serviceProcesses()) {
        assertFalse(service.isAlive(), () -> "service " + service.pid() + " still runs");
      }
      for (int port : stack.servicePorts()) {
        assertTrue(Ports.isFree(StackPlan.HOST, port), "port " + port);
      }
      assertTrue(stack.output().contains("mmserve: stopped"), stack::output);
    } finally {
      stack.close();
    }
  }

  @Test
  void embedText_referenceCaptions_matchGoldenEmbeddings() throws IOException {
    List<String> captions = strings(index.getAsJsonArray("captions"));
    Npy.Array expected = npy("text_embeds");

    EmbedTextResponse response = gateway().embedText(texts(captions));

    assertEquals(index.getAsJsonObject("pack").get("name").getAsString(), response.getModel());
    assertEquals(
        index.getAsJsonObject("pack").get("version").getAsString(), response.getModelVersion());
    assertEquals(captions.size(), response.getEmbeddingsCount());
    for (int i = 0; i < captions.size(); i++) {
      assertMatches(expected, i, response.getEmbeddings(i), "caption '" + captions.get(i) + "'");
    }
  }

  @Test
  void embedText_referenceCaptions_areFlaggedTruncatedAsInTheReference() throws IOException {
    List<String> captions = strings(index.getAsJsonArray("captions"));
    long[] truncated = npy("truncated").longs();

    EmbedTextResponse response = gateway().embedText(texts(captions));

    for (int i = 0; i < captions.size(); i++) {
      assertEquals(truncated[i] != 0, response.getEmbeddings(i).getTruncated(), captions.get(i));
    }
  }

  @Test
  void embedImage_goldenImages_matchGoldenEmbeddings() throws IOException {
    JsonArray images = index.getAsJsonArray("images");
    Npy.Array expected = npy("image_embeds");
    EmbedImageRequest.Builder request = EmbedImageRequest.newBuilder();
    for (JsonElement image : images) {
      byte[] bytes = Files.readAllBytes(reference.resolve(file(image)));
      request.addImages(Image.newBuilder().setEncoded(ByteString.copyFrom(bytes)));
    }

    EmbedImageResponse response = gateway().embedImage(request.build());

    assertEquals(images.size(), response.getEmbeddingsCount());
    for (int i = 0; i < images.size(); i++) {
      assertMatches(expected, i, response.getEmbeddings(i), file(images.get(i)));
    }
  }

  @Test
  void embedImage_bytesThatAreNoImage_isInvalidArgumentNamingTheImage() {
    EmbedImageRequest request =
        EmbedImageRequest.newBuilder()
            .addImages(Image.newBuilder().setEncoded(ByteString.copyFromUtf8("not an image")))
            .build();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> gateway().embedImage(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().startsWith("images[0]"), e.getStatus()::getDescription);
  }

  @Test
  void embedText_unknownModel_isInvalidArgument() {
    EmbedTextRequest request =
        EmbedTextRequest.newBuilder().addTexts("a red circle").setModel("no-such-model").build();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> gateway().embedText(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("no-such-model"), e.getStatus()::getDescription);
  }

  @Test
  void classify_goldenImagesOverColourShapeLabels_isSoftmaxOfScaledCosine() throws IOException {
    List<String> labels = new ArrayList<>();
    COLOURS.forEach(c -> SHAPES.forEach(shape -> labels.add(c + " " + shape)));
    List<String> prompts = labels.stream().map(l -> "a photo of a " + l).toList();
    EmbedTextResponse promptEmbeddings = gateway().embedText(texts(prompts));
    Npy.Array images = npy("image_embeds");
    int dims = (int) images.shape()[1];
    float scale = logitScale();

    ClassifyResponse response = gateway().classify(goldenClassify(labels));

    assertEquals(goldenImageCount(), response.getClassificationsCount());
    for (Classification c : response.getClassificationsList()) {
      double[] logits = new double[labels.size()];
      for (int k = 0; k < labels.size(); k++) {
        logits[k] =
            scale * dot(images.floats(), c.getIndex() * dims, promptEmbeddings.getEmbeddings(k));
      }
      double[] expected = softmax(logits);
      assertEquals(labels.size(), c.getScoresCount());
      for (int k = 1; k < c.getScoresCount(); k++) {
        assertTrue(c.getScores(k - 1).getProbability() >= c.getScores(k).getProbability());
      }
      for (LabelScore score : c.getScoresList()) {
        int k = labels.indexOf(score.getLabel());
        assertEquals(
            expected[k],
            score.getProbability(),
            1e-4,
            "image " + c.getIndex() + ", label " + score.getLabel());
      }
    }
  }

  @Test
  void classify_sameLabelsTwice_answersTheSame() {
    List<String> labels = List.of("red circle", "blue square", "green triangle");
    ClassifyRequest request = goldenClassify(labels);

    ClassifyResponse first = gateway().classify(request);
    ClassifyResponse second = gateway().classify(request);

    assertEquals(first.getClassificationsList(), second.getClassificationsList());
  }

  @Test
  void match_goldenImagesAndCaptions_matchReferenceProbabilities() throws IOException {
    List<String> captions = strings(index.getAsJsonArray("captions"));
    Npy.Array expected = npy("match_probability");
    int images = goldenImageCount();
    for (int i = 0; i < images; i++) {
      MatchRequest.Builder request = MatchRequest.newBuilder();
      Image image = goldenImage(i);
      for (String caption : captions) {
        request.addPairs(ImageTextPair.newBuilder().setImage(image).setText(caption));
      }

      MatchResponse response = gateway().match(request.build());

      for (int j = 0; j < captions.size(); j++) {
        assertEquals(j, response.getResults(j).getIndex());
        assertEquals(
            expected.floats()[i * captions.size() + j],
            response.getResults(j).getProbability(),
            1e-4,
            "image " + i + ", caption '" + captions.get(j) + "'");
      }
    }
  }

  @Test
  void rank_withRerank_returnsRerankedByMatchThenTheRestBySimilarity() throws IOException {
    ImageList.Builder candidates = ImageList.newBuilder();
    for (int i = 0; i < goldenImageCount(); i++) {
      candidates.addImages(goldenImage(i));
    }
    RankRequest request =
        RankRequest.newBuilder()
            .setQueryText("a photo of a red circle")
            .setCandidateImages(candidates)
            .setRerankTopK(3)
            .build();

    RankResponse response = gateway().rank(request);

    assertEquals(goldenImageCount(), response.getResultsCount());
    for (int i = 0; i < response.getResultsCount(); i++) {
      RankedCandidate c = response.getResults(i);
      assertEquals(i < 3, c.getReranked(), "place " + i);
      if (i > 0 && i < 3) {
        assertTrue(response.getResults(i - 1).getMatchProbability() >= c.getMatchProbability());
      }
      if (i > 3) {
        assertTrue(response.getResults(i - 1).getSimilarity() >= c.getSimilarity());
      }
      if (i >= 3) {
        for (int r = 0; r < 3; r++) {
          assertTrue(response.getResults(r).getSimilarity() >= c.getSimilarity());
        }
      }
      assertEquals(c.getSimilarity() * logitScale(), c.getLogit(), 1e-3);
    }
  }

  @Test
  void score_goldenImagesAndCaptions_matchReferenceLogits() throws IOException {
    List<String> captions = strings(index.getAsJsonArray("captions"));
    Npy.Array expected = npy("logits_per_image");
    ScoreRequest.Builder request = ScoreRequest.newBuilder().addAllTexts(captions);
    for (int i = 0; i < goldenImageCount(); i++) {
      request.addImages(goldenImage(i));
    }

    ScoreResponse response = gateway().score(request.build());

    Matrix logits = response.getLogitsPerImage();
    assertEquals(goldenImageCount(), logits.getRows());
    assertEquals(captions.size(), logits.getCols());
    assertEquals(logitScale(), response.getLogitScale(), 1e-6);
    for (int k = 0; k < logits.getValuesCount(); k++) {
      double want = expected.floats()[k];
      assertEquals(want, logits.getValues(k), 1e-3 * Math.max(1, Math.abs(want)), "logit " + k);
      int row = k / logits.getCols();
      int col = k % logits.getCols();
      assertEquals(
          logits.getValues(k), response.getLogitsPerText().getValues(col * logits.getRows() + row));
    }
  }

  @Test
  void cliClassify_printsTheLabelsBestFirst() throws Exception {
    JsonObject answer =
        cliJson(
            "classify",
            reference.resolve(file(index.getAsJsonArray("images").get(0))).toString(),
            "--labels",
            "red circle,blue square");

    JsonArray scores =
        answer.getAsJsonArray("classifications").get(0).getAsJsonObject().getAsJsonArray("scores");
    assertEquals(2, scores.size());
    double sum = 0;
    for (JsonElement score : scores) {
      sum += score.getAsJsonObject().get("probability").getAsDouble();
    }
    assertEquals(1.0, sum, 1e-4);
  }

  @Test
  void reflection_listsTheMultimodalService() throws Exception {
    List<String> names =
        ReflectionClient.listServices(channel)
            .get(CALL_SECONDS, TimeUnit.SECONDS)
            .getListServicesResponse()
            .getServiceList()
            .stream()
            .map(ServiceResponse::getName)
            .toList();

    assertTrue(names.contains("mmserve.v1.Multimodal"), names::toString);
  }

  @Test
  void gallery_textQueries_findTheirSceneFirst() {
    new GalleryRetrieval(gateway()).textQueriesFindTheirScene("by-text");
  }

  @Test
  void gallery_imageQueryAndFilters_findTheRightItems() {
    new GalleryRetrieval(gateway()).imageQueryFindsItselfAndFiltersHold("by-image");
  }

  @Test
  void gallery_listDeleteAndOtherModelVersion_behaveAsDocumented() {
    new GalleryRetrieval(gateway()).listDeleteAndVersionCheck("lifecycle");
  }

  @Test
  void cliIndexAndSearch_findTheScenes_reindexReplaces_badFilterIsRefused(@TempDir Path images)
      throws Exception {
    new GalleryCli(stack.gatewayTarget(), gateway())
        .indexSearchReindexAndRefuseABadFilter("cli", images);
  }

  @Test
  void cliEmbedTextJson_printsTheGatewaysUnitEmbedding() throws Exception {
    JsonObject item =
        cliJson("embed-text", "a red circle").getAsJsonArray("embeddings").get(0).getAsJsonObject();
    assertEquals("a red circle", item.get("input").getAsString());
    JsonArray values = item.getAsJsonArray("values");
    Embedding direct = gateway().embedText(texts(List.of("a red circle"))).getEmbeddings(0);
    assertEquals(direct.getValuesCount(), values.size());
    double sumOfSquares = 0;
    for (int i = 0; i < values.size(); i++) {
      float v = values.get(i).getAsFloat();
      sumOfSquares += v * v;
      assertEquals(direct.getValues(i), v, 1e-6, "value " + i);
    }
    assertEquals(1.0, Math.sqrt(sumOfSquares), 1e-4);
  }

  /**
   * Runs {@code java -jar cli.jar ARGS --json --target GATEWAY} to its end and parses what it
   * printed; its stderr goes to the test's.
   */
  private static JsonObject cliJson(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of(Main.javaCommand(), "-jar", StackPlan.jar(root, "cli").toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--json", "--target", stack.gatewayTarget()));
    Process cli =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String stdout = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(cli.waitFor(CALL_SECONDS, TimeUnit.SECONDS), "the CLI did not end: " + command);
    assertEquals(0, cli.exitValue(), stdout);
    return JsonParser.parseString(stdout).getAsJsonObject();
  }

  /** A stub for one call, with its own deadline. */
  private static MultimodalBlockingStub gateway() {
    return MultimodalGrpc.newBlockingStub(channel)
        .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }

  private static EmbedTextRequest texts(List<String> texts) {
    return EmbedTextRequest.newBuilder().addAllTexts(texts).build();
  }
}
