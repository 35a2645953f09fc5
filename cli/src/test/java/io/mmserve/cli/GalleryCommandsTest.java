package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.SearchHit;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.SearchResponse;
import io.mmserve.api.v1.UpsertRequest;
import io.mmserve.api.v1.UpsertResponse;
import io.mmserve.kit.errors.BadRequestDetails;
import io.mmserve.kit.errors.FieldViolation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code index} and {@code search} against a fake gateway on a loopback port. */
class GalleryCommandsTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<UpsertRequest> upserts = Collections.synchronizedList(new ArrayList<>());
  private volatile SearchRequest lastSearch;
  @TempDir Path dir;
  private Server gateway;
  private String target;

  @BeforeEach
  void start() throws IOException {
    gateway =
        NettyServerBuilder.forAddress(new InetSocketAddress(StackPlan.HOST, 0))
            .addService(new FakeGateway())
            .build()
            .start();
    target = StackPlan.HOST + ":" + gateway.getPort();
  }

  @AfterEach
  void stop() {
    gateway.shutdownNow();
  }

  private int run(String... args) throws InterruptedException {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--target", target));
    return Main.run(
        all,
        Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private void png(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    byte[] bytes = new byte[ImageFilesTest.PNG.length + content.length()];
    System.arraycopy(ImageFilesTest.PNG, 0, bytes, 0, ImageFilesTest.PNG.length);
    System.arraycopy(content.getBytes(), 0, bytes, ImageFilesTest.PNG.length, content.length());
    Files.write(file, bytes);
  }

  private List<GalleryItem> upserted() {
    return upserts.stream().flatMap(r -> r.getItemsList().stream()).toList();
  }

  @Test
  void index_upsertsEachImageInBatchesWithPathAndUri_andSummarises() throws Exception {
    for (String name : List.of("a.png", "b.png", "c.png", "d.png", "e.png")) {
      png(name, name);
    }
    Files.writeString(dir.resolve("readme.txt"), "hi");

    int exit =
        run("index", dir.toString(), "--collection", "shapes", "--batch", "2", "--metadata", "k=v");

    assertEquals(0, exit, err());
    assertEquals(3, upserts.size());
    assertTrue(upserts.stream().allMatch(r -> r.getCollection().equals("shapes")));
    List<GalleryItem> items =
        upserted().stream().sorted(java.util.Comparator.comparing(GalleryItem::getId)).toList();
    assertEquals(
        List.of("a.png", "b.png", "c.png", "d.png", "e.png"),
        items.stream().map(GalleryItem::getId).toList());
    assertEquals(
        Map.of("path", "a.png", "uri", dir.resolve("a.png").toUri().toString(), "k", "v"),
        items.get(0).getMetadataMap());
    assertTrue(
        items
            .get(0)
            .getImage()
            .getEncoded()
            .endsWith(com.google.protobuf.ByteString.copyFromUtf8("a.png")));
    assertTrue(err().contains("skipped readme.txt: not an image file name"), err());
    assertTrue(err().contains("mmserve index: 5/5 images indexed, 0 failed"), err());
    assertEquals(
        "indexed 5 images into collection shapes (now 5 items); skipped 1 files; failed 0\n",
        out());
  }

  @Test
  void index_imageTheGatewayRefusesByName_failsAloneAndTheRestAreIndexed() throws Exception {
    png("a.png", "fine");
    png("b.png", "bad");
    png("c.png", "fine");

    int exit = run("index", dir.toString(), "--collection", "shapes");

    assertEquals(1, exit);
    assertEquals(
        List.of("a.png", "c.png"),
        upserts.getLast().getItemsList().stream().map(GalleryItem::getId).toList());
    assertEquals(
        "indexed 2 images into collection shapes (now 2 items); skipped 0 files; failed 1\n"
            + "failed b.png: INVALID_ARGUMENT: cannot decode the image\n",
        out());
  }

  @Test
  void index_gatewayDown_failsEveryImageWithTheStatus() throws Exception {
    png("a.png", "fine");
    gateway.shutdownNow().awaitTermination();

    int exit = run("index", dir.toString(), "--collection", "shapes");

    assertEquals(1, exit);
    assertTrue(out().contains("failed 1\nfailed a.png: Upsert failed: UNAVAILABLE"), out());
  }

  @Test
  void search_printsRankScoreIdAndMetadata() throws Exception {
    int exit = run("search", "--collection", "shapes", "a", "red", "circle", "--top-k", "2");

    assertEquals(0, exit, err());
    assertEquals("a red circle", lastSearch.getText());
    assertEquals(2, lastSearch.getTopK());
    assertTrue(lastSearch.getOmitThumbnails());
    assertEquals(
        "collection shapes, query \"a red circle\"\n"
            + " 1. 0.9000  red.png  colour=red  path=red.png\n"
            + " 2. 0.2500  blue.png\n",
        out());
  }

  @Test
  void search_json_byImage() throws Exception {
    png("q.png", "query");

    int exit =
        run(
            "search",
            "--collection",
            "shapes",
            "--image",
            dir.resolve("q.png").toString(),
            "--exact",
            "--json");

    assertEquals(0, exit, err());
    assertTrue(lastSearch.hasImage());
    assertTrue(lastSearch.getExact());
    JsonObject root = JsonParser.parseString(out()).getAsJsonObject();
    JsonObject first = root.getAsJsonArray("hits").get(0).getAsJsonObject();
    assertEquals(1, first.get("rank").getAsInt());
    assertEquals("red.png", first.get("id").getAsString());
    assertEquals(0.9, first.get("score").getAsDouble(), 1e-6);
    assertEquals("red", first.getAsJsonObject("metadata").get("colour").getAsString());
  }

  @Test
  void search_badFilter_printsTheStatusAndTheFieldViolation() throws Exception {
    int exit = run("search", "--collection", "shapes", "x", "--filter", "colour ==");

    assertEquals(1, exit);
    assertEquals(
        "mmserve: Search failed: INVALID_ARGUMENT: filter: colour: expected a value\n"
            + "  field filter: colour: expected a value\n",
        err());
  }

  /** Refuses images whose bytes end in "bad" by name; answers searches with two hits. */
  private final class FakeGateway extends MultimodalGrpc.MultimodalImplBase {
    private int size;

    @Override
    public synchronized void upsert(UpsertRequest request, StreamObserver<UpsertResponse> out) {
      upserts.add(request);
      for (int i = 0; i < request.getItemsCount(); i++) {
        if (request.getItems(i).getImage().getEncoded().toStringUtf8().endsWith("bad")) {
          out.onError(
              invalid(FieldViolation.item("items", i, "cannot decode the image").at("image")));
          return;
        }
      }
      size += request.getItemsCount();
      out.onNext(
          UpsertResponse.newBuilder()
              .setUpserted(request.getItemsCount())
              .setCollectionSize(size)
              .build());
      out.onCompleted();
    }

    @Override
    public void search(SearchRequest request, StreamObserver<SearchResponse> out) {
      lastSearch = request;
      if (!request.getFilter().isEmpty()) {
        out.onError(invalid(FieldViolation.of("filter", "colour: expected a value")));
        return;
      }
      out.onNext(
          SearchResponse.newBuilder()
              .addHits(
                  SearchHit.newBuilder()
                      .setId("red.png")
                      .setScore(0.9f)
                      .putMetadata("path", "red.png")
                      .putMetadata("colour", "red"))
              .addHits(SearchHit.newBuilder().setId("blue.png").setScore(0.25f))
              .build());
      out.onCompleted();
    }

    private static io.grpc.StatusRuntimeException invalid(FieldViolation violation) {
      Status status =
          Status.INVALID_ARGUMENT.withDescription(violation.path() + ": " + violation.rule());
      return status.asRuntimeException(
          BadRequestDetails.attach(status, List.of(violation), new Metadata()));
    }
  }
}
