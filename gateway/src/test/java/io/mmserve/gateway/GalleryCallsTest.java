package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.DeleteRequest;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ListCollectionsRequest;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.SearchResponse;
import io.mmserve.api.v1.UpsertRequest;
import io.mmserve.api.v1.UpsertResponse;
import io.mmserve.gallery.v1.ModelRef;
import io.mmserve.gallery.v1.SearchVectorsRequest;
import io.mmserve.gallery.v1.UpsertVectorsRequest;
import io.mmserve.gateway.thumbnail.ThumbnailSettings;
import io.mmserve.gateway.thumbnail.Thumbnails;
import io.mmserve.inference.DType;
import io.mmserve.inference.TensorCodec;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Upsert, Search, Delete and ListCollections through the in-process gateway and fakes. */
class GalleryCallsTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 4, 3, 2, 3, 2);
  private static final ModelRef FAKE_MODEL =
      ModelRef.newBuilder()
          .setName(FakeTextEncoder.MODEL)
          .setVersion(FakeTextEncoder.VERSION)
          .build();

  private InProcessGateway stack;

  @BeforeEach
  void start() throws IOException {
    stack = new InProcessGateway(LIMITS, 100);
    stack.textEncoder.vectors.put("a", new float[] {1, 0, 0, 0});
    stack.textEncoder.vectors.put("b", new float[] {0, 1, 0, 0});
    stack.visionEncoder.vectors.put("img", new float[] {0, 0, 1});
  }

  @AfterEach
  void stop() {
    stack.close();
  }

  private static Embedding embedding(float... values) {
    Embedding.Builder e = Embedding.newBuilder();
    for (float v : values) {
      e.addValues(v);
    }
    return e.build();
  }

  private static float[] rows(UpsertVectorsRequest request) {
    return TensorCodec.decode("vectors", request.getVectors(), DType.FLOAT32).toFloatArray();
  }

  @Test
  void upsert_textsAndEmbeddings_reachTheGalleryInItemOrderWithTheEncodersModel() {
    UpsertResponse response =
        stack
            .client()
            .upsert(
                UpsertRequest.newBuilder()
                    .setCollection("c")
                    .setRequestId("r1")
                    .addItems(GalleryItem.newBuilder().setId("t1").setText("a"))
                    .addItems(
                        GalleryItem.newBuilder()
                            .setId("e1")
                            .setEmbedding(embedding(0, 0, 3, 4))
                            .putMetadata("k", "v"))
                    .addItems(GalleryItem.newBuilder().setId("t2").setText("b"))
                    .build());

    UpsertVectorsRequest sent = stack.gallery.lastUpsert;
    assertEquals(3, response.getUpserted());
    assertEquals(3, response.getCollectionSize());
    assertEquals("r1", response.getRequestId());
    assertEquals(FAKE_MODEL, sent.getModel());
    assertEquals(List.of(3L, 4L), sent.getVectors().getShapeList());
    assertArrayEquals(new float[] {1, 0, 0, 0, 0, 0, 0.6f, 0.8f, 0, 1, 0, 0}, rows(sent), 1e-6f);
    assertEquals(
        List.of("t1", "e1", "t2"), sent.getItemsList().stream().map(i -> i.getId()).toList());
    assertEquals(Map.of("k", "v"), sent.getItems(1).getMetadataMap());
  }

  @Test
  void upsert_onlyEmbeddingsIntoANewCollection_asksTheTextEncoderForTheModelVersion() {
    stack
        .client()
        .upsert(
            UpsertRequest.newBuilder()
                .setCollection("c")
                .addItems(GalleryItem.newBuilder().setId("e").setEmbedding(embedding(2, 0, 0, 0)))
                .build());

    assertEquals(List.of(GalleryUpsertCall.PROBE_TEXT), stack.textEncoder.encodedTexts());
    assertEquals(FAKE_MODEL, stack.gallery.lastUpsert.getModel());
    assertArrayEquals(new float[] {1, 0, 0, 0}, rows(stack.gallery.lastUpsert), 1e-6f);
  }

  @Test
  void upsert_embeddingOfAnotherSize_isInvalidArgumentNamingTheItem() {
    stack.gallery.add("c", FakeTextEncoder.MODEL, FakeTextEncoder.VERSION, 4, 1);

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stack
                    .client()
                    .upsert(
                        UpsertRequest.newBuilder()
                            .setCollection("c")
                            .addItems(
                                GalleryItem.newBuilder().setId("e").setEmbedding(embedding(1, 0)))
                            .build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(
        "items[0].embedding: 2 values, but model fake-clip@0.0.7 embeds into 4 dimensions",
        e.getStatus().getDescription());
  }

  @Test
  void upsert_embeddingsNamingAnotherVersionOfTheCollectionsModel_isFailedPrecondition() {
    stack.gallery.add("c", FakeTextEncoder.MODEL, FakeTextEncoder.VERSION, 4, 1);

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stack
                    .client()
                    .upsert(
                        UpsertRequest.newBuilder()
                            .setCollection("c")
                            .setModel("fake-clip@9.0.0")
                            .addItems(
                                GalleryItem.newBuilder()
                                    .setId("e")
                                    .setEmbedding(embedding(1, 0, 0, 0)))
                            .build()));

    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("fake-clip@0.0.7"), e.getMessage());
    assertTrue(e.getStatus().getDescription().contains("fake-clip@9.0.0"), e.getMessage());
  }

  @Test
  void upsert_imageOfAnExistingCollection_isEmbeddedWithTheCollectionsModel() {
    stack.gallery.add("c", FakeTextEncoder.MODEL, FakeTextEncoder.VERSION, 3, 0);

    stack
        .client()
        .upsert(
            UpsertRequest.newBuilder()
                .setCollection("c")
                .addItems(
                    GalleryItem.newBuilder()
                        .setId("i")
                        .setImage(Image.newBuilder().setEncoded(ByteString.copyFromUtf8("img"))))
                .build());

    // pinned to the collection's version, whatever a canary split would pick
    assertEquals(
        FakeTextEncoder.MODEL + "@" + FakeTextEncoder.VERSION,
        stack.visionEncoder.lastRequest.getModel());
    assertArrayEquals(new float[] {0, 0, 1}, rows(stack.gallery.lastUpsert), 1e-6f);
  }

  @Test
  void upsert_thumbnailsOff_sendNone() {
    stack
        .client()
        .upsert(
            UpsertRequest.newBuilder()
                .setCollection("c")
                .addItems(
                    GalleryItem.newBuilder()
                        .setId("i")
                        .setImage(Image.newBuilder().setEncoded(Thumbnails.png(40, 20, false))))
                .build());

    assertEquals(ByteString.EMPTY, stack.gallery.lastUpsert.getItems(0).getThumbnail());
  }

  @Test
  void upsert_thumbnailsOn_sendsAJpegOfEachDecodableImage_andUpsertsTheOthersWithout()
      throws IOException {
    stack.close();
    stack =
        new InProcessGateway(
            LIMITS, 100, Map.of(ThumbnailSettings.MAX_SIDE, "16", ThumbnailSettings.QUALITY, "90"));
    UpsertResponse response =
        stack
            .client()
            .upsert(
                UpsertRequest.newBuilder()
                    .setCollection("c")
                    .addItems(
                        GalleryItem.newBuilder()
                            .setId("png")
                            .setImage(Image.newBuilder().setEncoded(Thumbnails.png(40, 20, false))))
                    .addItems(
                        GalleryItem.newBuilder()
                            .setId("garbage")
                            .setImage(
                                Image.newBuilder().setEncoded(ByteString.copyFromUtf8("img"))))
                    .build());

    var sent = stack.gallery.lastUpsert.getItemsList();
    assertEquals(2, response.getUpserted());
    java.awt.image.BufferedImage thumbnail = Thumbnails.read(sent.get(0).getThumbnail());
    assertEquals(16, thumbnail.getWidth());
    assertEquals(8, thumbnail.getHeight());
    assertEquals(ByteString.EMPTY, sent.get(1).getThumbnail());
    assertEquals(
        1.0,
        stack.registry.get("mmserve.gateway.thumbnails").tag("outcome", "made").counter().count());
    assertEquals(
        1.0,
        stack
            .registry
            .get("mmserve.gateway.thumbnails")
            .tag("outcome", "unsupported_format")
            .counter()
            .count());
  }

  @Test
  void search_text_isEmbeddedWithTheCollectionsModelAndPassesFilterExactAndTopK() {
    stack.gallery.add("c", FakeTextEncoder.MODEL, FakeTextEncoder.VERSION, 4, 2);

    SearchResponse response =
        stack
            .client()
            .search(
                SearchRequest.newBuilder()
                    .setCollection("c")
                    .setText("b")
                    .setTopK(3)
                    .setFilter("colour = red")
                    .setExact(true)
                    .setRequestId("r2")
                    .build());

    SearchVectorsRequest sent = stack.gallery.lastSearch;
    // pinned to the collection's version, whatever a canary split would pick
    assertEquals(
        FakeTextEncoder.MODEL + "@" + FakeTextEncoder.VERSION,
        stack.textEncoder.lastRequest.getModel());
    assertEquals(FAKE_MODEL, sent.getModel());
    assertArrayEquals(
        new float[] {0, 1, 0, 0},
        TensorCodec.decode("query", sent.getQuery(), DType.FLOAT32).toFloatArray());
    assertEquals(3, sent.getTopK());
    assertEquals("colour = red", sent.getFilter());
    assertTrue(sent.getExact());
    assertEquals("r2", response.getRequestId());
    assertEquals("hit", response.getHits(0).getId());
    assertEquals(0.5f, response.getHits(0).getScore());
    assertEquals(Map.of("colour", "red"), response.getHits(0).getMetadataMap());
  }

  @Test
  void search_passesOmitThumbnailsAndReturnsTheHitsThumbnail() {
    stack.gallery.add("c", FakeTextEncoder.MODEL, FakeTextEncoder.VERSION, 4, 2);

    SearchResponse shown =
        stack.client().search(SearchRequest.newBuilder().setCollection("c").setText("b").build());
    boolean omittedByDefault = stack.gallery.lastSearch.getOmitThumbnails();
    stack
        .client()
        .search(
            SearchRequest.newBuilder()
                .setCollection("c")
                .setText("b")
                .setOmitThumbnails(true)
                .build());

    assertEquals(ByteString.copyFromUtf8("jpeg"), shown.getHits(0).getThumbnail());
    assertEquals(false, omittedByDefault);
    assertTrue(stack.gallery.lastSearch.getOmitThumbnails());
  }

  @Test
  void search_unknownCollection_isNotFoundWithoutEmbedding() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stack
                    .client()
                    .search(SearchRequest.newBuilder().setCollection("nope").setText("a").build()));

    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertEquals("collection 'nope' does not exist", e.getStatus().getDescription());
    assertEquals(0, stack.textEncoder.calls);
  }

  @Test
  void delete_idsOrTheWholeCollection() {
    stack.gallery.add("c", FakeTextEncoder.MODEL, FakeTextEncoder.VERSION, 4, 5);

    int byIds =
        stack
            .client()
            .delete(DeleteRequest.newBuilder().setCollection("c").addIds("x").addIds("y").build())
            .getDeleted();
    int whole =
        stack
            .client()
            .delete(DeleteRequest.newBuilder().setCollection("c").setDeleteCollection(true).build())
            .getDeleted();

    assertEquals(2, byIds);
    assertEquals(List.of("x", "y"), stack.gallery.lastDelete.getIdsList());
    assertEquals(5, whole);
    assertEquals("c", stack.gallery.lastDrop.getCollection());
  }

  @Test
  void listCollections_showsNameModelVersionDimensionSizeAndBackend() {
    stack.gallery.add("c", FakeTextEncoder.MODEL, FakeTextEncoder.VERSION, 4, 5);

    var listed =
        stack
            .client()
            .listCollections(ListCollectionsRequest.getDefaultInstance())
            .getCollections(0);

    assertEquals("c", listed.getName());
    assertEquals(FakeTextEncoder.MODEL, listed.getModel());
    assertEquals(FakeTextEncoder.VERSION, listed.getModelVersion());
    assertEquals(4, listed.getDimension());
    assertEquals(5, listed.getSize());
    assertEquals("fake", listed.getBackend());
  }
}
