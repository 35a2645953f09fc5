package io.mmserve.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.gallery.index.Vectors;
import io.mmserve.gallery.v1.CollectionInfo;
import io.mmserve.gallery.v1.DeleteVectorsRequest;
import io.mmserve.gallery.v1.GalleryGrpc;
import io.mmserve.gallery.v1.GalleryGrpc.GalleryBlockingStub;
import io.mmserve.gallery.v1.ListCollectionsRequest;
import io.mmserve.gallery.v1.ModelRef;
import io.mmserve.gallery.v1.SearchVectorsRequest;
import io.mmserve.gallery.v1.SearchVectorsResponse;
import io.mmserve.gallery.v1.UpsertVectorsRequest;
import io.mmserve.gallery.v1.UpsertVectorsResponse;
import io.mmserve.gallery.v1.VectorHit;
import io.mmserve.gallery.v1.VectorItem;
import io.mmserve.inference.TensorCodec;
import io.mmserve.testsupport.Elasticsearch;
import io.mmserve.testsupport.ServiceProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real gallery-svc jar with {@code index.backend=elasticsearch} against a real Elasticsearch:
 * upsert, filtered search, delete and list over gRPC; a second gallery-svc replica sees the same
 * collections; with the cluster stopped, calls are UNAVAILABLE naming its URL, and gallery-svc
 * serves again once the cluster is back, without a restart of its own.
 */
class GalleryElasticsearchIT {
  private static final ModelRef MODEL =
      ModelRef.newBuilder().setName("shapes-clip").setVersion("1.0.0").build();
  private static final String COLLECTION = "shapes";
  private static final int DIM = 8;
  private static final long CALL_SECONDS = 60;
  private static final float[] QUERY = Vectors.normalized(1, 0.2f, 0, 0, 0, 0, 0, 0);

  private static Elasticsearch server;

  @BeforeAll
  static void startServer() throws Exception {
    server = Elasticsearch.start(Path.of("target/it-es/GalleryElasticsearchIT"));
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private static String[] flags(String prefix) {
    return new String[] {
      "--index.backend=elasticsearch",
      "--elasticsearch.url=" + server.url(),
      "--elasticsearch.index-prefix=" + prefix,
      "--elasticsearch.replicas=0",
      "--elasticsearch.connect-timeout=2s"
    };
  }

  @Test
  void upsertSearchFilterDeleteAndList_workThroughGrpc() throws Exception {
    try (ServiceProcess svc = ServiceProcess.start("gallery-svc", "gallery-es", flags("grpc-"));
        ServiceProcess replica =
            ServiceProcess.start("gallery-svc", "gallery-es-replica", flags("grpc-"))) {
      GalleryBlockingStub gallery = stub(svc);

      UpsertVectorsResponse upserted =
          gallery.upsertVectors(
              upsert(
                  List.of("red-circle", "blue-circle", "red-square"),
                  List.of(
                      Vectors.axis(DIM, 0),
                      Vectors.normalized(1, 0.5f, 0, 0, 0, 0, 0, 0),
                      Vectors.axis(DIM, 1)),
                  List.of("red", "blue", "red")));
      assertTrue(upserted.getCreated());
      assertEquals(3, upserted.getCollectionSize());

      SearchVectorsResponse all = gallery.searchVectors(search(""));
      assertEquals(
          List.of("red-circle", "blue-circle", "red-square"),
          all.getHitsList().stream().map(VectorHit::getId).toList());
      assertEquals(QUERY[0], all.getHits(0).getScore(), 1e-5); // the cosine
      assertEquals("red", all.getHits(0).getMetadataMap().get("colour"));
      assertFalse(all.getExact());

      SearchVectorsResponse red = gallery.searchVectors(search("colour = red"));
      assertEquals(
          List.of("red-circle", "red-square"),
          red.getHitsList().stream().map(VectorHit::getId).toList());

      assertEquals(
          1,
          gallery
              .deleteVectors(
                  DeleteVectorsRequest.newBuilder()
                      .setCollection(COLLECTION)
                      .addIds("red-circle")
                      .addIds("never-there")
                      .build())
              .getDeleted());
      assertEquals(
          List.of("blue-circle", "red-square"),
          gallery
              .searchVectors(search("").toBuilder().setExact(true).build())
              .getHitsList()
              .stream()
              .map(VectorHit::getId)
              .toList());

      for (ServiceProcess any : List.of(svc, replica)) {
        List<CollectionInfo> listed =
            stub(any)
                .listCollections(ListCollectionsRequest.getDefaultInstance())
                .getCollectionsList();
        assertEquals(1, listed.size(), any.logText());
        assertEquals(COLLECTION, listed.getFirst().getName());
        assertEquals(2, listed.getFirst().getSize());
        assertEquals("elasticsearch", listed.getFirst().getBackend());
        assertEquals(MODEL, listed.getFirst().getModel());
      }
    }
  }

  @Test
  void clusterDown_isUnavailableNamingTheUrl_andGallerySvcRecoversWhenItIsBack() throws Exception {
    try (ServiceProcess svc =
        ServiceProcess.start("gallery-svc", "gallery-es-down", flags("down-"))) {
      GalleryBlockingStub gallery = stub(svc);
      gallery.upsertVectors(upsert(List.of("a"), List.of(Vectors.axis(DIM, 0)), List.of("red")));

      server.stop();
      try {
        StatusRuntimeException e =
            assertThrows(StatusRuntimeException.class, () -> gallery.searchVectors(search("")));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(
            e.getStatus().getDescription().startsWith("Elasticsearch at " + server.url()),
            e.getStatus().getDescription());
        StatusRuntimeException write =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    gallery.upsertVectors(
                        upsert(List.of("b"), List.of(Vectors.axis(DIM, 1)), List.of("red"))));
        assertEquals(Status.Code.UNAVAILABLE, write.getStatus().getCode());
      } finally {
        server.restart();
      }

      assertEquals(
          List.of("a"),
          gallery.searchVectors(search("")).getHitsList().stream().map(VectorHit::getId).toList());
    }
  }

  private static GalleryBlockingStub stub(ServiceProcess svc) {
    return GalleryGrpc.newBlockingStub(svc.channel())
        .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }

  private static UpsertVectorsRequest upsert(
      List<String> ids, List<float[]> vectors, List<String> colours) {
    UpsertVectorsRequest.Builder request =
        UpsertVectorsRequest.newBuilder()
            .setCollection(COLLECTION)
            .setModel(MODEL)
            .setVectors(TensorCodec.encodeRows(vectors));
    for (int i = 0; i < ids.size(); i++) {
      request.addItems(
          VectorItem.newBuilder().setId(ids.get(i)).putMetadata("colour", colours.get(i)));
    }
    return request.build();
  }

  private static SearchVectorsRequest search(String filter) {
    float[] query = QUERY;
    return SearchVectorsRequest.newBuilder()
        .setCollection(COLLECTION)
        .setModel(MODEL)
        .setQuery(TensorCodec.encodeFloats(query, query.length))
        .setTopK(10)
        .setFilter(filter)
        .build();
  }
}
