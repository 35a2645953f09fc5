package io.mmserve.gateway;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.Image;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.fusion.v1.ClassifyEmbeddingsRequest;
import io.mmserve.fusion.v1.ClassifyEmbeddingsResponse;
import io.mmserve.fusion.v1.FusionGrpc;
import io.mmserve.fusion.v1.MatchFeaturesRequest;
import io.mmserve.fusion.v1.MatchFeaturesResponse;
import io.mmserve.fusion.v1.ScoreEmbeddingsRequest;
import io.mmserve.fusion.v1.ScoreEmbeddingsResponse;
import io.mmserve.gallery.v1.CollectionInfo;
import io.mmserve.gallery.v1.DeleteVectorsRequest;
import io.mmserve.gallery.v1.DeleteVectorsResponse;
import io.mmserve.gallery.v1.DescribeCollectionRequest;
import io.mmserve.gallery.v1.DropCollectionRequest;
import io.mmserve.gallery.v1.DropCollectionResponse;
import io.mmserve.gallery.v1.GalleryGrpc;
import io.mmserve.gallery.v1.ListCollectionsRequest;
import io.mmserve.gallery.v1.ListCollectionsResponse;
import io.mmserve.gallery.v1.SearchVectorsRequest;
import io.mmserve.gallery.v1.SearchVectorsResponse;
import io.mmserve.gallery.v1.UpsertVectorsRequest;
import io.mmserve.gallery.v1.UpsertVectorsResponse;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.gateway.routing.RoutedCall;
import io.mmserve.kit.errors.StatusMapper;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The services behind the gateway: text-encoder-svc, vision-encoder-svc, fusion-svc and
 * gallery-svc. This is the one gRPC-aware piece of the understanding calls; {@link
 * #forCurrentCall()} gives them a {@link Calls} whose methods speak proto messages and futures
 * only.
 *
 * <p>Encoder calls go through the dynamic batchers ({@link EncoderBatching}), fusion and gallery
 * calls straight to their service; both through the backend's {@link BackendPool} (replicas,
 * health, circuit breakers, bulkheads, retries). The pools and batchers are owned by the caller of
 * the constructor, who closes them.
 */
final class Backends {
  static final String TEXT_ENCODER = "text-encoder-svc";
  static final String VISION_ENCODER = "vision-encoder-svc";
  static final String FUSION = "fusion-svc";
  static final String GALLERY = "gallery-svc";

  private final EncoderBatching<EncodeTextRequest, EncodeTextResponse, String> text;
  private final EncoderBatching<EncodeImageRequest, EncodeImageResponse, Image> vision;
  private final BackendPool fusion;
  private final BackendPool gallery;
  private final Duration defaultDeadline;

  /**
   * @param defaultDeadline deadline of backend calls for callers that send none
   */
  Backends(
      EncoderBatching<EncodeTextRequest, EncodeTextResponse, String> text,
      EncoderBatching<EncodeImageRequest, EncodeImageResponse, Image> vision,
      BackendPool fusion,
      BackendPool gallery,
      Duration defaultDeadline) {
    this.text = text;
    this.vision = vision;
    this.fusion = fusion;
    this.gallery = gallery;
    this.defaultDeadline = defaultDeadline;
  }

  /**
   * The backends as seen by the public call running on this thread: every hop carries the caller's
   * deadline (or the default one, counted once from now, so later hops do not get a fresh one) and
   * is cancelled with the caller's call, also when it starts from a callback of an earlier hop.
   */
  Calls forCurrentCall() {
    Context context = Context.current();
    Deadline callers = context.getDeadline();
    Deadline deadline =
        callers != null ? callers : Deadline.after(defaultDeadline.toNanos(), TimeUnit.NANOSECONDS);
    return new Calls(context, deadline);
  }

  /** Backend calls on behalf of one public call. Thread-safe. */
  final class Calls {
    private final Context context;
    private final Deadline deadline;

    private Calls(Context context, Deadline deadline) {
      this.context = context;
      this.deadline = deadline;
    }

    ListenableFuture<EncodeTextResponse> encodeText(EncodeTextRequest request) {
      ListenableFuture<EncodeTextResponse> answer =
          guard(text.encode(request, deadline, context::isCancelled));
      return noteVersion(answer, r -> served(r.getModel(), r.getModelVersion()));
    }

    ListenableFuture<EncodeImageResponse> encodeImage(EncodeImageRequest request) {
      ListenableFuture<EncodeImageResponse> answer =
          guard(vision.encode(request, deadline, context::isCancelled));
      return noteVersion(answer, r -> served(r.getModel(), r.getModelVersion()));
    }

    /** Tells the call's {@link RoutedCall} which version answered (if it knew none yet). */
    private void served(String model, String version) {
      RoutedCall.of(context).served(model, version);
    }

    private <T> ListenableFuture<T> noteVersion(ListenableFuture<T> answer, Consumer<T> note) {
      Futures.addCallback(
          answer,
          new FutureCallback<T>() {
            @Override
            public void onSuccess(T result) {
              note.accept(result);
            }

            @Override
            public void onFailure(Throwable t) {}
          },
          MoreExecutors.directExecutor());
      return answer;
    }

    ListenableFuture<ScoreEmbeddingsResponse> score(ScoreEmbeddingsRequest request) {
      return guard(
          fusion.call(
              request.getModel(),
              deadline,
              (ch, d) -> FusionGrpc.newFutureStub(ch).withDeadline(d).scoreEmbeddings(request)));
    }

    ListenableFuture<MatchFeaturesResponse> match(MatchFeaturesRequest request) {
      return guard(
          fusion.call(
              request.getModel(),
              deadline,
              (ch, d) -> FusionGrpc.newFutureStub(ch).withDeadline(d).matchFeatures(request)));
    }

    ListenableFuture<ClassifyEmbeddingsResponse> classify(ClassifyEmbeddingsRequest request) {
      return guard(
          fusion.call(
              request.getModel(),
              deadline,
              (ch, d) -> FusionGrpc.newFutureStub(ch).withDeadline(d).classifyEmbeddings(request)));
    }

    ListenableFuture<UpsertVectorsResponse> upsertVectors(UpsertVectorsRequest request) {
      return guard(
          gallery.call(
              deadline,
              (ch, d) -> GalleryGrpc.newFutureStub(ch).withDeadline(d).upsertVectors(request)));
    }

    ListenableFuture<SearchVectorsResponse> searchVectors(SearchVectorsRequest request) {
      return guard(
          gallery.call(
              deadline,
              (ch, d) -> GalleryGrpc.newFutureStub(ch).withDeadline(d).searchVectors(request)));
    }

    ListenableFuture<DeleteVectorsResponse> deleteVectors(DeleteVectorsRequest request) {
      return guard(
          gallery.call(
              deadline,
              (ch, d) -> GalleryGrpc.newFutureStub(ch).withDeadline(d).deleteVectors(request)));
    }

    ListenableFuture<DropCollectionResponse> dropCollection(DropCollectionRequest request) {
      return guard(
          gallery.call(
              deadline,
              (ch, d) -> GalleryGrpc.newFutureStub(ch).withDeadline(d).dropCollection(request)));
    }

    ListenableFuture<CollectionInfo> describeCollection(DescribeCollectionRequest request) {
      return guard(
          gallery.call(
              deadline,
              (ch, d) ->
                  GalleryGrpc.newFutureStub(ch).withDeadline(d).describeCollection(request)));
    }

    ListenableFuture<ListCollectionsResponse> listCollections(ListCollectionsRequest request) {
      return guard(
          gallery.call(
              deadline,
              (ch, d) -> GalleryGrpc.newFutureStub(ch).withDeadline(d).listCollections(request)));
    }

    /**
     * Cancels the backend call when the caller's call is cancelled, and turns its failure into the
     * status the caller sees.
     */
    private <T> ListenableFuture<T> guard(ListenableFuture<T> answer) {
      Context.CancellationListener cancel = c -> answer.cancel(false);
      context.addListener(cancel, MoreExecutors.directExecutor());
      answer.addListener(() -> context.removeListener(cancel), MoreExecutors.directExecutor());
      return Futures.catchingAsync(
          answer,
          Throwable.class,
          t -> Futures.immediateFailedFuture(failure(t)),
          MoreExecutors.directExecutor());
    }
  }

  /**
   * A backend call's failure as the caller sees it. A status exception comes from the client call
   * to the backend (the backend's answer, or the gRPC client's or the pool's verdict on the call):
   * its code, description and trailers (retry hint, {@code BadRequest} details) pass on, its local
   * cause stays here. Anything else was raised in the gateway itself (its batcher's overload,
   * deadline or cancellation, or a bug) and goes through {@link StatusMapper}.
   */
  static StatusRuntimeException failure(Throwable t) {
    if (!(t instanceof StatusRuntimeException) && !(t instanceof StatusException)) {
      return StatusMapper.toStatusException(t);
    }
    Status status = Status.fromThrowable(t);
    Metadata trailers = Status.trailersFromThrowable(t);
    return Status.fromCode(status.getCode())
        .withDescription(status.getDescription())
        .asRuntimeException(trailers != null ? trailers : new Metadata());
  }
}
