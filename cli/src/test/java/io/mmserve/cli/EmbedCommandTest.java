package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedImageResponse;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.MultimodalGrpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embed commands against a fake gateway on a real loopback port. */
class EmbedCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final AtomicReference<EmbedImageRequest> lastImageRequest = new AtomicReference<>();
  private Server gateway;
  private String target;

  @BeforeEach
  void start() throws IOException {
    gateway =
        NettyServerBuilder.forAddress(new InetSocketAddress(StackPlan.HOST, 0))
            .addService(new FakeGateway())
            .build()
            .start();
    target = "127.0.0.1:" + gateway.getPort();
  }

  @AfterEach
  void stop() {
    gateway.shutdownNow();
  }

  private EmbedCommand command() {
    return new EmbedCommand(
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private EmbedOptions options(String... args) {
    return EmbedOptions.parse(List.of(args), Map.of(EmbedOptions.TARGET_ENV, target), "input");
  }

  @Test
  void embedText_json_printsTheGatewaysEmbeddings() {
    int code = command().embedText(options("a red circle", "--json"));

    assertEquals(0, code, err::toString);
    JsonObject root =
        JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
    assertEquals("fake", root.get("model").getAsString());
    JsonObject first = root.getAsJsonArray("embeddings").get(0).getAsJsonObject();
    assertEquals("a red circle", first.get("input").getAsString());
    assertEquals(0.6f, first.getAsJsonArray("values").get(0).getAsFloat());
  }

  @Test
  void embedText_readable_printsOneLinePerText() {
    int code = command().embedText(options("one", "two"));

    assertEquals(0, code);
    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(3, lines.length);
    assertTrue(lines[2].startsWith("[1] dims=2 norm=1.0000"), lines[2]);
  }

  @Test
  void embedText_gatewayError_printsCodeAndDescriptionAndFails() {
    int code = command().embedText(options("bad"));

    assertEquals(EmbedCommand.CALL_FAILED, code);
    assertEquals(
        "mmserve: EmbedText failed: INVALID_ARGUMENT: texts[0]: bad is bad\n",
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void embedText_noGateway_isUnavailableWithAHintToStartTheStack() throws Exception {
    gateway.shutdownNow().awaitTermination();

    int code = command().embedText(options("x"));

    assertEquals(EmbedCommand.CALL_FAILED, code);
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.startsWith("mmserve: EmbedText failed: UNAVAILABLE"), message);
    assertTrue(message.contains("./mmserve up"), message);
  }

  @Test
  void embedText_unavailableFromGateway_printsItWithoutTheStartHint() {
    int code = command().embedText(options("busy"));

    assertEquals(EmbedCommand.CALL_FAILED, code);
    assertEquals(
        "mmserve: EmbedText failed: UNAVAILABLE: text-encoder-svc is unavailable\n",
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void embedImage_sendsTheFilesBytes(@TempDir Path dir) throws IOException {
    Path file = Files.write(dir.resolve("cat.png"), new byte[] {1, 2, 3});

    int code = command().embedImage(options(file.toString()));

    assertEquals(0, code, err::toString);
    assertEquals(3, lastImageRequest.get().getImages(0).getEncoded().size());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("cat.png"));
  }

  @Test
  void embedImage_missingFile_failsNamingItWithoutCallingTheGateway(@TempDir Path dir) {
    Path missing = dir.resolve("nope.jpg");

    int code = command().embedImage(options(missing.toString()));

    assertEquals(EmbedCommand.CALL_FAILED, code);
    assertEquals(
        "mmserve: cannot read image " + missing + ": no such file\n",
        err.toString(StandardCharsets.UTF_8));
    assertEquals(null, lastImageRequest.get());
  }

  @Test
  void errorMessage_withoutDescription_showsTheCode() {
    assertEquals(
        "mmserve: EmbedImage failed: INTERNAL",
        EmbedCommand.errorMessage("EmbedImage", "h:1", Status.INTERNAL));
  }

  /** Answers texts with [0.6, -0.8] per text; fails the texts "bad" and "busy". */
  private final class FakeGateway extends MultimodalGrpc.MultimodalImplBase {
    @Override
    public void embedText(EmbedTextRequest request, StreamObserver<EmbedTextResponse> response) {
      if (request.getTextsList().contains("busy")) {
        response.onError(
            Status.UNAVAILABLE
                .withDescription("text-encoder-svc is unavailable")
                .asRuntimeException());
        return;
      }
      if (request.getTextsList().contains("bad")) {
        response.onError(
            Status.INVALID_ARGUMENT.withDescription("texts[0]: bad is bad").asRuntimeException());
        return;
      }
      EmbedTextResponse.Builder answer =
          EmbedTextResponse.newBuilder().setModel("fake").setModelVersion("1");
      for (int i = 0; i < request.getTextsCount(); i++) {
        answer.addEmbeddings(embedding(i));
      }
      response.onNext(answer.build());
      response.onCompleted();
    }

    @Override
    public void embedImage(EmbedImageRequest request, StreamObserver<EmbedImageResponse> response) {
      lastImageRequest.set(request);
      EmbedImageResponse.Builder answer =
          EmbedImageResponse.newBuilder().setModel("fake").setModelVersion("1");
      for (int i = 0; i < request.getImagesCount(); i++) {
        answer.addEmbeddings(embedding(i));
      }
      response.onNext(answer.build());
      response.onCompleted();
    }

    private Embedding embedding(int index) {
      return Embedding.newBuilder().setIndex(index).addValues(0.6f).addValues(-0.8f).build();
    }
  }
}
