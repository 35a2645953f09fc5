package io.mmserve.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mmserve.gallery.index.Gallery;
import io.mmserve.gallery.index.GalleryLimits;
import io.mmserve.gallery.index.Vectors;
import io.mmserve.gallery.lucene.LuceneIndex;
import io.mmserve.gallery.lucene.LuceneSettings;
import io.mmserve.gallery.v1.CollectionInfo;
import io.mmserve.gallery.v1.DescribeCollectionRequest;
import io.mmserve.gallery.v1.GalleryGrpc;
import io.mmserve.gallery.v1.ModelRef;
import io.mmserve.gallery.v1.SearchVectorsRequest;
import io.mmserve.gallery.v1.SearchVectorsResponse;
import io.mmserve.gallery.v1.UpsertVectorsRequest;
import io.mmserve.gallery.v1.UpsertVectorsResponse;
import io.mmserve.gallery.v1.VectorItem;
import io.mmserve.inference.TensorCodec;
import io.mmserve.kit.errors.BadRequestDetails;
import io.mmserve.kit.errors.FieldViolation;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC layer over a real Lucene index, in-process: translation and status codes. */
class GalleryServiceTest {
  private static final ModelRef MODEL =
      ModelRef.newBuilder().setName("shapes-clip").setVersion("1.0.0").build();

  @TempDir Path dir;
  private LuceneIndex index;
  private Server server;
  private ManagedChannel channel;
  private GalleryGrpc.GalleryBlockingStub gallery;

  @BeforeEach
  void start() throws Exception {
    index = LuceneIndex.open(LuceneSettings.defaults(dir));
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new GalleryService(new Gallery(index, GalleryLimits.defaults())))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    gallery = GalleryGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    index.close();
  }

  private UpsertVectorsResponse upsert(ModelRef model, String id, float[] vector) {
    return gallery.upsertVectors(
        UpsertVectorsRequest.newBuilder()
            .setCollection("shapes")
            .setModel(model)
            .setVectors(TensorCodec.encodeRows(List.of(vector)))
            .addItems(VectorItem.newBuilder().setId(id).putMetadata("colour", "red"))
            .build());
  }

  private SearchVectorsRequest.Builder search(float[] query) {
    return SearchVectorsRequest.newBuilder()
        .setCollection("shapes")
        .setModel(MODEL)
        .setQuery(TensorCodec.encodeFloats(query, query.length));
  }

  @Test
  void upsertThenSearch_answersHitsWithMetadataAndDescribesTheCollection() {
    UpsertVectorsResponse upserted = upsert(MODEL, "a", Vectors.axis(4, 0));

    SearchVectorsResponse found = gallery.searchVectors(search(Vectors.axis(4, 0)).build());
    CollectionInfo info =
        gallery.describeCollection(
            DescribeCollectionRequest.newBuilder().setCollection("shapes").build());

    assertEquals(1, upserted.getCollectionSize());
    assertEquals(true, upserted.getCreated());
    assertEquals("a", found.getHits(0).getId());
    assertEquals(1.0, found.getHits(0).getScore(), 1e-6);
    assertEquals("red", found.getHits(0).getMetadataMap().get("colour"));
    assertEquals(true, found.getExact());
    assertEquals(MODEL, info.getModel());
    assertEquals(4, info.getDimension());
    assertEquals("lucene", info.getBackend());
  }

  @Test
  void search_sendsThumbnailsUnlessOmitted() {
    ByteString jpeg = ByteString.copyFrom(new byte[] {(byte) 0xFF, (byte) 0xD8, 7});
    gallery.upsertVectors(
        UpsertVectorsRequest.newBuilder()
            .setCollection("shapes")
            .setModel(MODEL)
            .setVectors(TensorCodec.encodeRows(List.of(Vectors.axis(4, 0))))
            .addItems(VectorItem.newBuilder().setId("a").setThumbnail(jpeg))
            .build());

    SearchVectorsResponse shown = gallery.searchVectors(search(Vectors.axis(4, 0)).build());
    SearchVectorsResponse omitted =
        gallery.searchVectors(search(Vectors.axis(4, 0)).setOmitThumbnails(true).build());

    assertEquals(jpeg, shown.getHits(0).getThumbnail());
    assertEquals(ByteString.EMPTY, omitted.getHits(0).getThumbnail());
    assertEquals("a", omitted.getHits(0).getId());
  }

  @Test
  void search_unknownCollection_isNotFound() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> gallery.searchVectors(search(Vectors.axis(4, 0)).build()));

    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertEquals("collection 'shapes' does not exist", e.getStatus().getDescription());
  }

  @Test
  void upsert_otherModelVersion_isFailedPrecondition() {
    upsert(MODEL, "a", Vectors.axis(4, 0));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> upsert(MODEL.toBuilder().setVersion("2.0.0").build(), "b", Vectors.axis(4, 1)));

    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
  }

  @Test
  void search_filterSyntaxError_isInvalidArgumentWithAFieldViolationNamingTheKey() {
    upsert(MODEL, "a", Vectors.axis(4, 0));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                gallery.searchVectors(
                    search(Vectors.axis(4, 0)).setFilter("colour ~ red").build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(
        List.of(FieldViolation.of("filter", "metadata key 'colour': expected = or IN at offset 7")),
        BadRequestDetails.of(e));
  }

  @Test
  void upsert_rowsAndItemsDisagree_isInvalidArgument() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                gallery.upsertVectors(
                    UpsertVectorsRequest.newBuilder()
                        .setCollection("shapes")
                        .setModel(MODEL)
                        .setVectors(
                            TensorCodec.encodeRows(List.of(Vectors.axis(4, 0), Vectors.axis(4, 1))))
                        .addItems(VectorItem.newBuilder().setId("a"))
                        .build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(
        "vectors: must be [N, D] with N = 1 items, but has shape [2, 4]",
        e.getStatus().getDescription());
  }
}
