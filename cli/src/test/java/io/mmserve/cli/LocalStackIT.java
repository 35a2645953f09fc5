package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
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
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
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
  /** Generous: four JVMs load ONNX Runtime on a machine that may be busy. */
  private static final long READY_MINUTES = 6;

  private static final long CALL_SECONDS = 120;
  private static final String READY_PREFIX = "mmserve ready:";

  /** gateway, text encoder, vision encoder, fusion-svc, gallery-svc. */
  private static final int SERVICES = 5;

  /** The colours and shapes of the pack's training scenes: 32 labels such as "red circle". */
  private static final List<String> COLOURS =
      List.of("red", "green", "blue", "yellow", "purple", "orange", "white", "black");

  private static final List<String> SHAPES = List.of("circle", "square", "triangle", "star");

  private static Path root;
  private static Path reference;
  private static JsonObject index;
  private static int basePort;
  private static int adminBasePort;
  private static Process launcher;
  private static Thread reader;
  private static final StringBuffer launcherOutput = new StringBuffer();
  private static final List<ProcessHandle> services = new ArrayList<>();
  private static ManagedChannel channel;

  @BeforeAll
  static void startStack() throws Exception {
    root = ReferencePack.repoRoot();
    reference = ReferencePack.referenceDir();
    index = ReferencePack.index();
    for (String module :
        List.of(
            "cli",
            "gateway",
            "text-encoder-svc",
            "vision-encoder-svc",
            "fusion-svc",
            "gallery-svc")) {
      Path jar = StackPlan.jar(root, module);
      assertTrue(Files.isRegularFile(jar), () -> jar + " is missing; package the modules first");
    }
    choosePorts();

    launcher =
        new ProcessBuilder(
                Main.javaCommand(),
                "-jar",
                StackPlan.jar(root, "cli").toString(),
                "up",
                "--base-port",
                Integer.toString(basePort),
                "--admin-base-port",
                Integer.toString(adminBasePort),
                "--http-port",
                Integer.toString(basePort + HTTP_PORT_OFFSET),
                "--gallery-data",
                galleryData().toString())
            .directory(root.toFile())
            .redirectErrorStream(true)
            .start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    reader = new Thread(() -> readLines(launcher, lines), "launcher-output");
    reader.setDaemon(true);
    reader.start();
    awaitReadyLine(lines);
    launcher.toHandle().children().forEach(services::add);
    assertEquals(SERVICES, services.size(), launcherOutput::toString);

    channel = GrpcChannels.plaintext(StackPlan.HOST + ":" + basePort, 64 << 20);
  }

  @AfterAll
  static void stopStack_sigtermStopsEveryServiceAndExitsZero() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (launcher == null) {
      return;
    }
    try {
      // SIGTERM, as kill or a supervisor sends it; through the handle, because Process.destroy()
      // would also close the pipe that carries the launcher's last lines
      launcher.toHandle().destroy();
      assertTrue(
          launcher.waitFor(2, TimeUnit.MINUTES),
          () -> "the launcher did not exit after SIGTERM:\n" + launcherOutput);
      assertEquals(0, launcher.exitValue(), launcherOutput::toString);
      for (ProcessHandle service : services) {
        assertFalse(service.isAlive(), () -> "service " + service.pid() + " still runs");
      }
      for (int i = 0; i < SERVICES; i++) {
        assertTrue(Ports.isFree(StackPlan.HOST, basePort + i), "port " + (basePort + i));
        assertTrue(Ports.isFree(StackPlan.HOST, adminBasePort + i), "port " + (adminBasePort + i));
      }
      reader.join(TimeUnit.SECONDS.toMillis(CALL_SECONDS));
      assertTrue(launcherOutput.toString().contains("mmserve: stopped"), launcherOutput::toString);
    } finally {
      services.forEach(ProcessHandle::destroyForcibly);
      launcher.destroyForcibly();
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
    Process cli =
        new ProcessBuilder(
                Main.javaCommand(),
                "-jar",
                StackPlan.jar(root, "cli").toString(),
                "classify",
                reference.resolve(file(index.getAsJsonArray("images").get(0))).toString(),
                "--labels",
                "red circle,blue square",
                "--json",
                "--target",
                StackPlan.HOST + ":" + basePort)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String stdout = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(cli.waitFor(CALL_SECONDS, TimeUnit.SECONDS));
    assertEquals(0, cli.exitValue(), stdout);

    JsonArray scores =
        JsonParser.parseString(stdout)
            .getAsJsonObject()
            .getAsJsonArray("classifications")
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("scores");
    assertEquals(2, scores.size());
    double sum = 0;
    for (JsonElement score : scores) {
      sum += score.getAsJsonObject().get("probability").getAsDouble();
    }
    assertEquals(1.0, sum, 1e-4);
  }

  @Test
  void reflection_listsTheMultimodalService() throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse response) {
                    answer.complete(response);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();

    List<String> names =
        answer
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
    new GalleryCli(StackPlan.HOST + ":" + basePort, gateway())
        .indexSearchReindexAndRefuseABadFilter("cli", images);
  }

  /** A fresh gallery data dir for this run, so no collection is left from an earlier one. */
  private static Path galleryData() throws IOException {
    Path parent = Files.createDirectories(root.resolve("cli/target/it-data"));
    return Files.createTempDirectory(parent, "gallery-");
  }

  @Test
  void cliEmbedTextJson_printsTheGatewaysUnitEmbedding() throws Exception {
    Process cli =
        new ProcessBuilder(
                Main.javaCommand(),
                "-jar",
                StackPlan.jar(root, "cli").toString(),
                "embed-text",
                "a red circle",
                "--json",
                "--target",
                StackPlan.HOST + ":" + basePort)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String stdout = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(cli.waitFor(CALL_SECONDS, TimeUnit.SECONDS));
    assertEquals(0, cli.exitValue(), stdout);

    JsonObject item =
        JsonParser.parseString(stdout)
            .getAsJsonObject()
            .getAsJsonArray("embeddings")
            .get(0)
            .getAsJsonObject();
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

  private static ClassifyRequest goldenClassify(List<String> labels) {
    ClassifyRequest.Builder request = ClassifyRequest.newBuilder().addAllLabels(labels);
    for (int i = 0; i < goldenImageCount(); i++) {
      request.addImages(goldenImage(i));
    }
    return request.build();
  }

  private static int goldenImageCount() {
    return index.getAsJsonArray("images").size();
  }

  private static Image goldenImage(int i) {
    try {
      byte[] bytes =
          Files.readAllBytes(reference.resolve(file(index.getAsJsonArray("images").get(i))));
      return Image.newBuilder().setEncoded(ByteString.copyFrom(bytes)).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The pack's logit scale, from its model.json. */
  private static float logitScale() throws IOException {
    JsonObject manifest =
        JsonParser.parseString(Files.readString(root.resolve("models/shapes-clip/model.json")))
            .getAsJsonObject();
    return manifest.get("logit_scale").getAsFloat();
  }

  private static double dot(float[] rows, int offset, Embedding embedding) {
    double sum = 0;
    for (int d = 0; d < embedding.getValuesCount(); d++) {
      sum += (double) rows[offset + d] * embedding.getValues(d);
    }
    return sum;
  }

  private static double[] softmax(double[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    double[] out = new double[logits.length];
    for (int k = 0; k < logits.length; k++) {
      out[k] = Math.exp(logits[k] - max);
      sum += out[k];
    }
    for (int k = 0; k < logits.length; k++) {
      out[k] /= sum;
    }
    return out;
  }

  /** A stub for one call, with its own deadline. */
  private static MultimodalBlockingStub gateway() {
    return MultimodalGrpc.newBlockingStub(channel)
        .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }

  private static EmbedTextRequest texts(List<String> texts) {
    return EmbedTextRequest.newBuilder().addAllTexts(texts).build();
  }

  /** Embedding {@code actual} is unit-norm and within the pack's tolerance of row {@code row}. */
  private static void assertMatches(Npy.Array expected, int row, Embedding actual, String what) {
    double tolerance = index.getAsJsonObject("tolerances").get("embeddings_abs").getAsDouble();
    int dims = (int) expected.shape()[1];
    float[] values = expected.floats();
    assertEquals(dims, actual.getValuesCount(), what);
    double sumOfSquares = 0;
    for (int c = 0; c < dims; c++) {
      float v = actual.getValues(c);
      sumOfSquares += v * v;
      assertEquals(values[row * dims + c], v, tolerance, what + ", value " + c);
    }
    assertEquals(1.0, Math.sqrt(sumOfSquares), 1e-4, what + ": norm");
  }

  private static Npy.Array npy(String name) {
    return ReferencePack.array(name);
  }

  private static String file(JsonElement image) {
    return image.getAsJsonObject().get("file").getAsString();
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.getAsString()));
    return out;
  }

  /** Ports apart from a developer's stack (50051, 9091) and free now. */
  /** The gateway's HTTP port: the gRPC base + 9, inside the block of 10 ports tried here. */
  private static final int HTTP_PORT_OFFSET = 9;

  private static void choosePorts() {
    for (int candidate = 0; candidate < 20; candidate++) {
      int grpc = 56_051 + candidate * 10;
      int admin = 19_091 + candidate * 10;
      boolean free = Ports.isFree(StackPlan.HOST, grpc + HTTP_PORT_OFFSET);
      for (int i = 0; i < SERVICES; i++) {
        free &= Ports.isFree(StackPlan.HOST, grpc + i) && Ports.isFree(StackPlan.HOST, admin + i);
      }
      if (free) {
        basePort = grpc;
        adminBasePort = admin;
        return;
      }
    }
    fail("no free ports for the stack between 56051 and 56250");
  }

  private static void readLines(Process process, BlockingQueue<String> lines) {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        launcherOutput.append(line).append('\n');
        lines.add(line);
      }
    } catch (IOException e) {
      launcherOutput.append("(reading the launcher's output failed: ").append(e).append(")\n");
    }
  }

  private static void awaitReadyLine(BlockingQueue<String> lines) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(READY_MINUTES);
    while (true) {
      long left = deadline - System.nanoTime();
      String line =
          left > 0
              ? lines.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS)
              : null;
      if (line != null && line.startsWith(READY_PREFIX)) {
        return;
      }
      if (line == null && !launcher.isAlive() && lines.isEmpty()) {
        fail(
            "the launcher exited with "
                + launcher.exitValue()
                + " before ready:\n"
                + launcherOutput);
      }
      if (left <= 0) {
        fail(
            "no '"
                + READY_PREFIX
                + "' line within "
                + READY_MINUTES
                + " minutes:\n"
                + launcherOutput);
      }
    }
  }
}
