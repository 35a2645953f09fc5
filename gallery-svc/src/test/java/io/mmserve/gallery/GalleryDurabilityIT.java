package io.mmserve.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.gallery.index.Vectors;
import io.mmserve.gallery.v1.DeleteVectorsRequest;
import io.mmserve.gallery.v1.GalleryGrpc;
import io.mmserve.gallery.v1.GalleryGrpc.GalleryBlockingStub;
import io.mmserve.gallery.v1.ListCollectionsRequest;
import io.mmserve.gallery.v1.ModelRef;
import io.mmserve.gallery.v1.SearchVectorsRequest;
import io.mmserve.gallery.v1.SearchVectorsResponse;
import io.mmserve.gallery.v1.UpsertVectorsRequest;
import io.mmserve.gallery.v1.VectorItem;
import io.mmserve.inference.TensorCodec;
import io.mmserve.testsupport.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * kill -9 right after a burst of acknowledged writes: the real gallery-svc jar runs as a process
 * (commits an hour apart, so everything rests on the write-ahead log), concurrent writers upsert
 * and delete, some upserts fail validation; as soon as the last answer arrives the process gets
 * SIGKILL. Restarted on the same data dir, every acknowledged item is there with its vector and
 * metadata, every acknowledged delete is gone, and nothing that failed appears.
 */
class GalleryDurabilityIT {
  private static final ModelRef MODEL =
      ModelRef.newBuilder().setName("shapes-clip").setVersion("1.0.0").build();
  private static final String COLLECTION = "durable";
  private static final int DIM = 16;
  private static final int WRITERS = 8;
  private static final int UPSERTS_PER_WRITER = 25;
  private static final int ITEMS_PER_UPSERT = 4;
  private static final long CALL_SECONDS = 60;

  private final Map<String, float[]> acknowledged = new ConcurrentHashMap<>();
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  private final Set<String> failed = ConcurrentHashMap.newKeySet();

  @Test
  void acknowledgedWrites_surviveKill9AndNothingElseAppears() throws Exception {
    Path data = Files.createDirectories(Path.of("target/it-data")).toAbsolutePath();
    Path dataDir = Files.createTempDirectory(data, "durability-");
    String[] flags = {"--data.dir=" + dataDir, "--commit.interval=1h"};

    try (ServiceProcess first =
        ServiceProcess.start("gallery-svc", "gallery-durability-1", flags)) {
      burst(GalleryGrpc.newBlockingStub(first.channel()));
      first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no commit
      assertTrue(first.process().waitFor(CALL_SECONDS, TimeUnit.SECONDS));
    }
    assertFalse(acknowledged.isEmpty());
    assertFalse(failed.isEmpty());

    try (ServiceProcess second =
        ServiceProcess.start("gallery-svc", "gallery-durability-2", flags)) {
      GalleryBlockingStub gallery = stub(GalleryGrpc.newBlockingStub(second.channel()));
      long expected = acknowledged.size() - deleted.size();
      assertEquals(
          expected,
          gallery
              .listCollections(ListCollectionsRequest.getDefaultInstance())
              .getCollections(0)
              .getSize(),
          second::logText);
      for (Map.Entry<String, float[]> item : acknowledged.entrySet()) {
        SearchVectorsResponse found = byId(gallery, item.getKey(), item.getValue());
        if (deleted.contains(item.getKey())) {
          assertEquals(0, found.getHitsCount(), "deleted " + item.getKey());
        } else {
          assertEquals(1, found.getHitsCount(), "acknowledged " + item.getKey());
          assertEquals(1.0, found.getHits(0).getScore(), 1e-5, item.getKey());
          assertEquals(Map.of("id", item.getKey()), found.getHits(0).getMetadataMap());
        }
      }
      for (String id : failed) {
        assertEquals(0, byId(gallery, id, Vectors.axis(DIM, 0)).getHitsCount(), "failed " + id);
      }
    }
  }

  /** WRITERS threads upsert, delete some of their own acknowledged items, and send bad upserts. */
  private void burst(GalleryBlockingStub blocking) throws Exception {
    GalleryBlockingStub gallery = stub(blocking);
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        writers.add(pool.submit(() -> write(gallery, writer)));
      }
      for (Future<?> f : writers) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private Void write(GalleryBlockingStub gallery, int writer) {
    Random random = new Random(writer);
    for (int u = 0; u < UPSERTS_PER_WRITER; u++) {
      List<String> ids = new ArrayList<>();
      List<float[]> vectors = new ArrayList<>();
      for (int j = 0; j < ITEMS_PER_UPSERT; j++) {
        ids.add("w" + writer + "-u" + u + "-" + j);
        vectors.add(Vectors.random(random, DIM));
      }
      gallery.upsertVectors(upsert(ids, vectors));
      for (int j = 0; j < ids.size(); j++) {
        acknowledged.put(ids.get(j), vectors.get(j));
      }
      if (u % 5 == 4) { // delete two items of an earlier upsert
        List<String> doomed =
            List.of("w" + writer + "-u" + (u - 2) + "-0", "w" + writer + "-u" + (u - 2) + "-3");
        gallery.deleteVectors(
            DeleteVectorsRequest.newBuilder().setCollection(COLLECTION).addAllIds(doomed).build());
        deleted.addAll(doomed);
      }
      if (u % 7 == 3) { // an item that is not normalised fails the whole call
        String bad = "bad-w" + writer + "-u" + u;
        List<float[]> badVectors = List.of(Vectors.random(random, DIM), new float[DIM]);
        StatusRuntimeException e =
            assertThrows(
                StatusRuntimeException.class,
                () -> gallery.upsertVectors(upsert(List.of(bad + "-ok", bad), badVectors)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        failed.add(bad + "-ok");
        failed.add(bad);
      }
    }
    return null;
  }

  private static UpsertVectorsRequest upsert(List<String> ids, List<float[]> vectors) {
    UpsertVectorsRequest.Builder request =
        UpsertVectorsRequest.newBuilder()
            .setCollection(COLLECTION)
            .setModel(MODEL)
            .setVectors(TensorCodec.encodeRows(vectors));
    for (String id : ids) {
      request.addItems(VectorItem.newBuilder().setId(id).putMetadata("id", id));
    }
    return request.build();
  }

  private static SearchVectorsResponse byId(GalleryBlockingStub gallery, String id, float[] v) {
    return gallery.searchVectors(
        SearchVectorsRequest.newBuilder()
            .setCollection(COLLECTION)
            .setModel(MODEL)
            .setQuery(TensorCodec.encodeFloats(v, v.length))
            .setTopK(1)
            .setFilter("id = \"" + id + "\"")
            .setExact(true)
            .build());
  }

  private static GalleryBlockingStub stub(GalleryBlockingStub stub) {
    return stub.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }
}
