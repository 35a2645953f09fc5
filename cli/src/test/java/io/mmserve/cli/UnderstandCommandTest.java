package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.mmserve.api.v1.Classification;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.LabelScore;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MatchResponse;
import io.mmserve.api.v1.MatchResult;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.RankResponse;
import io.mmserve.api.v1.RankedCandidate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** classify, match and rank against a fake gateway on a real loopback port. */
class UnderstandCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Server gateway;
  private Map<String, String> env;
  @TempDir Path dir;
  private String image;

  @BeforeEach
  void start() throws IOException {
    gateway =
        NettyServerBuilder.forAddress(new InetSocketAddress(StackPlan.HOST, 0))
            .addService(new FakeGateway())
            .build()
            .start();
    env = Map.of(EmbedOptions.TARGET_ENV, "127.0.0.1:" + gateway.getPort());
    image = Files.write(dir.resolve("red.png"), new byte[] {1}).toString();
  }

  @AfterEach
  void stop() {
    gateway.shutdownNow();
  }

  private UnderstandCommand command() {
    return new UnderstandCommand(
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String printed() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void classify_readable_printsEachImageWithItsLabelsBestFirst() {
    int code =
        command()
            .classify(
                UnderstandOptions.parseClassify(
                    List.of(image, "--labels", "red circle,blue square"), env));

    assertEquals(0, code, err::toString);
    assertEquals(
        "fake 1\n[0] "
            + image
            + "\n    0.9000  red circle  (logit +2.000)\n    0.1000  blue square  (logit -1.000)\n",
        printed());
  }

  @Test
  void classify_json_printsTheScores() {
    command()
        .classify(
            UnderstandOptions.parseClassify(
                List.of(image, "--labels", "red circle,blue square", "--json"), env));

    JsonObject first =
        JsonParser.parseString(printed())
            .getAsJsonObject()
            .getAsJsonArray("classifications")
            .get(0)
            .getAsJsonObject();
    assertEquals(image, first.get("input").getAsString());
    assertEquals(
        "red circle",
        first.getAsJsonArray("scores").get(0).getAsJsonObject().get("label").getAsString());
  }

  @Test
  void match_readable_printsProbabilityPerPair() {
    int code = command().match(UnderstandOptions.parseMatch(List.of(image, "a red circle"), env));

    assertEquals(0, code, err::toString);
    assertEquals(
        "fake 1\n[0] probability=0.7500 logit=+1.0986  " + image + "  \"a red circle\"\n",
        printed());
  }

  @Test
  void rank_readable_marksTheRerankedCandidates() {
    int code =
        command()
            .rank(
                UnderstandOptions.parseRank(
                    List.of("--query-text", "a red circle", image, image, "--rerank", "1"), env));

    assertEquals(0, code, err::toString);
    assertEquals(
        "fake 1\nquery: a red circle\n"
            + "1. [1] similarity=+0.5000 logit=+25.000 match=0.8000  "
            + image
            + "\n2. [0] similarity=+0.1000 logit=+5.000  "
            + image
            + "\n",
        printed());
  }

  @Test
  void classify_gatewayError_printsCodeAndDescription() {
    int code =
        command()
            .classify(UnderstandOptions.parseClassify(List.of(image, "--labels", "red,red"), env));

    assertEquals(EmbedCommand.CALL_FAILED, code);
    assertEquals(
        "mmserve: Classify failed: INVALID_ARGUMENT: labels[1]: duplicate\n",
        err.toString(StandardCharsets.UTF_8));
  }

  /** Fixed answers; Classify with the labels red,red fails. */
  private static final class FakeGateway extends MultimodalGrpc.MultimodalImplBase {
    @Override
    public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> response) {
      if (request.getLabelsList().equals(List.of("red", "red"))) {
        response.onError(
            Status.INVALID_ARGUMENT.withDescription("labels[1]: duplicate").asRuntimeException());
        return;
      }
      response.onNext(
          ClassifyResponse.newBuilder()
              .setModel("fake")
              .setModelVersion("1")
              .addClassifications(
                  Classification.newBuilder()
                      .addScores(score(request.getLabels(0), 0.9f, 2f))
                      .addScores(score(request.getLabels(1), 0.1f, -1f)))
              .build());
      response.onCompleted();
    }

    @Override
    public void match(MatchRequest request, StreamObserver<MatchResponse> response) {
      response.onNext(
          MatchResponse.newBuilder()
              .setModel("fake")
              .setModelVersion("1")
              .addResults(MatchResult.newBuilder().setProbability(0.75f).setLogit(1.0986f))
              .build());
      response.onCompleted();
    }

    @Override
    public void rank(RankRequest request, StreamObserver<RankResponse> response) {
      response.onNext(
          RankResponse.newBuilder()
              .setModel("fake")
              .setModelVersion("1")
              .addResults(
                  RankedCandidate.newBuilder()
                      .setIndex(1)
                      .setSimilarity(0.5f)
                      .setLogit(25f)
                      .setReranked(true)
                      .setMatchProbability(0.8f))
              .addResults(RankedCandidate.newBuilder().setSimilarity(0.1f).setLogit(5f))
              .build());
      response.onCompleted();
    }

    private static LabelScore score(String label, float probability, float logit) {
      return LabelScore.newBuilder()
          .setLabel(label)
          .setProbability(probability)
          .setLogit(logit)
          .build();
    }
  }
}
