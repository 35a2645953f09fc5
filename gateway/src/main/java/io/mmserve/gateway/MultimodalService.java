package io.mmserve.gateway;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.stub.StreamObserver;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.DeleteRequest;
import io.mmserve.api.v1.DeleteResponse;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedImageResponse;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.ListCollectionsRequest;
import io.mmserve.api.v1.ListCollectionsResponse;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MatchResponse;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.RankResponse;
import io.mmserve.api.v1.ScoreRequest;
import io.mmserve.api.v1.ScoreResponse;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.SearchResponse;
import io.mmserve.api.v1.UpsertRequest;
import io.mmserve.api.v1.UpsertResponse;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.gateway.routing.RoutedCall;
import io.mmserve.gateway.routing.VersionRouter;
import io.mmserve.gateway.thumbnail.Thumbnailer;
import io.mmserve.kit.deadline.Deadlines;
import io.mmserve.kit.errors.StatusMapper;
import io.mmserve.kit.server.Replies;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The public {@code mmserve.v1.Multimodal} API. Each call checks its request at the edge, then
 * delegates: EmbedText and EmbedImage to one encoder, Classify, Rank, Match and Score to their call
 * classes ({@link ClassifyCall}, {@link RankCall}, {@link MatchCall}, {@link ScoreCall}), which
 * combine the encoders and fusion-svc without blocking. The gallery calls embed through the
 * encoders and store or search in gallery-svc ({@link GalleryUpsertCall}, {@link
 * GallerySearchCall}, {@link GalleryCollections}).
 *
 * <p>Backend calls carry the caller's deadline, or the default deadline when the caller set none,
 * and are cancelled with the caller's call (see {@link Backends#forCurrentCall()}). {@link Replies}
 * sends each answer: a backend's error reaches the caller with the backend's status code and
 * description, other failures through the one {@link StatusMapper}.
 *
 * <p>Model versions: each model call first asks the {@link VersionRouter} which version serves it
 * and names it pinned ({@code name@version}) in every later hop, so all encoder and fusion calls of
 * one request use one version. Gallery calls on an existing collection use the collection's version
 * whatever the router says; a new collection gets the routed one.
 */
public final class MultimodalService extends MultimodalGrpc.MultimodalImplBase {
  private final Backends backends;
  private final CachedTextEmbedder labelTexts;
  private final RequestLimits limits;
  private final Thumbnailer thumbnailer;
  private final VersionRouter router;

  /**
   * @param backends the encoders and fusion-svc
   * @param labelCache label-prompt and candidate-text embeddings kept between requests
   * @param limits items per request
   * @param thumbnailer makes the thumbnails of upserted images (when on)
   * @param router picks the model version of requests that name none
   */
  MultimodalService(
      Backends backends,
      LabelEmbeddingCache labelCache,
      RequestLimits limits,
      Thumbnailer thumbnailer,
      VersionRouter router) {
    this.backends = backends;
    this.labelTexts = new CachedTextEmbedder(labelCache, limits.maxTexts());
    this.limits = limits;
    this.thumbnailer = thumbnailer;
    this.router = router;
  }

  /** Without thumbnails or version routing. */
  MultimodalService(Backends backends, LabelEmbeddingCache labelCache, RequestLimits limits) {
    this(backends, labelCache, limits, Thumbnailer.off(), new VersionRouter("", n -> 0));
  }

  /**
   * The model a request's backend calls name: the router's pinned choice, or the request's own
   * model when it is not routed. Notes the router's choice on the call's {@link RoutedCall}.
   */
  private String route(String requested) {
    return route(requested, RoutedCall.current());
  }

  private String route(String requested, RoutedCall call) {
    Optional<VersionRouter.RoutedVersion> chosen = router.route(requested, call.routeKey());
    if (chosen.isPresent()) {
      call.served(chosen.get().model(), chosen.get().version());
      return chosen.get().pinned();
    }
    // a pinned or unrouted request's version is noted from the encoders' answer (Backends.Calls):
    // names from clients would let a client create metric series without bound
    return requested;
  }

  @Override
  public void embedText(EmbedTextRequest request, StreamObserver<EmbedTextResponse> out) {
    Deadlines.checkNotExpired();
    limits.checkTextCount(request.getTextsCount());
    EncodeTextRequest encode =
        EncodeTextRequest.newBuilder()
            .setModel(route(request.getModel()))
            .addAllTexts(request.getTextsList())
            .setNormalize(!request.getSkipNormalization())
            .setRequestId(request.getRequestId())
            .build();
    ListenableFuture<EncodeTextResponse> answer = backends.forCurrentCall().encodeText(encode);
    Replies.whenDone(translate(answer, response -> toEmbedTextResponse(request, response)), out);
  }

  @Override
  public void embedImage(EmbedImageRequest request, StreamObserver<EmbedImageResponse> out) {
    Deadlines.checkNotExpired();
    limits.checkImageCount(request.getImagesCount());
    ImageChecks.checkAll("images", request.getImagesList());
    EncodeImageRequest encode =
        EncodeImageRequest.newBuilder()
            .setModel(route(request.getModel()))
            .addAllImages(request.getImagesList())
            .setNormalize(!request.getSkipNormalization())
            .setRequestId(request.getRequestId())
            .build();
    ListenableFuture<EncodeImageResponse> answer = backends.forCurrentCall().encodeImage(encode);
    Replies.whenDone(translate(answer, response -> toEmbedImageResponse(request, response)), out);
  }

  @Override
  public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> out) {
    Deadlines.checkNotExpired();
    Replies.whenDone(
        new ClassifyCall(backends.forCurrentCall(), labelTexts, limits)
            .run(request.toBuilder().setModel(route(request.getModel())).build()),
        out);
  }

  @Override
  public void rank(RankRequest request, StreamObserver<RankResponse> out) {
    Deadlines.checkNotExpired();
    Replies.whenDone(
        new RankCall(backends.forCurrentCall(), labelTexts, limits)
            .run(request.toBuilder().setModel(route(request.getModel())).build()),
        out);
  }

  @Override
  public void match(MatchRequest request, StreamObserver<MatchResponse> out) {
    Deadlines.checkNotExpired();
    Replies.whenDone(
        new MatchCall(backends.forCurrentCall(), limits)
            .run(request.toBuilder().setModel(route(request.getModel())).build()),
        out);
  }

  @Override
  public void score(ScoreRequest request, StreamObserver<ScoreResponse> out) {
    Deadlines.checkNotExpired();
    Replies.whenDone(
        new ScoreCall(backends.forCurrentCall(), limits)
            .run(request.toBuilder().setModel(route(request.getModel())).build()),
        out);
  }

  @Override
  public void upsert(UpsertRequest request, StreamObserver<UpsertResponse> out) {
    Deadlines.checkNotExpired();
    RoutedCall call = RoutedCall.current(); // the route runs later, on another thread
    UnaryOperator<String> newCollectionModel = requested -> route(requested, call);
    Replies.whenDone(
        new GalleryUpsertCall(backends.forCurrentCall(), limits, thumbnailer, newCollectionModel)
            .run(request),
        out);
  }

  @Override
  public void search(SearchRequest request, StreamObserver<SearchResponse> out) {
    Deadlines.checkNotExpired();
    Replies.whenDone(new GallerySearchCall(backends.forCurrentCall()).run(request), out);
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
    Deadlines.checkNotExpired();
    Replies.whenDone(new GalleryCollections(backends.forCurrentCall()).delete(request), out);
  }

  @Override
  public void listCollections(
      ListCollectionsRequest request, StreamObserver<ListCollectionsResponse> out) {
    Deadlines.checkNotExpired();
    Replies.whenDone(new GalleryCollections(backends.forCurrentCall()).list(request), out);
  }

  private static <E, R> ListenableFuture<R> translate(
      ListenableFuture<E> answer, Function<E, R> translate) {
    return Futures.transform(answer, translate::apply, MoreExecutors.directExecutor());
  }

  private static EmbedTextResponse toEmbedTextResponse(
      EmbedTextRequest request, EncodeTextResponse response) {
    int n = request.getTextsCount();
    float[] values =
        AnswerTensors.embeddingValues(Backends.TEXT_ENCODER, response.getEmbeddings(), n);
    if (response.getTruncatedCount() != n || response.getTokenCountsCount() != n) {
      throw new IllegalStateException(
          Backends.TEXT_ENCODER
              + " returned "
              + response.getTruncatedCount()
              + " truncated flags and "
              + response.getTokenCountsCount()
              + " token counts for "
              + n
              + " texts");
    }
    EmbedTextResponse.Builder out =
        EmbedTextResponse.newBuilder()
            .setModel(response.getModel())
            .setModelVersion(response.getModelVersion())
            .setRequestId(request.getRequestId());
    for (int i = 0; i < n; i++) {
      out.addEmbeddings(
          embedding(values, n, i)
              .setTruncated(response.getTruncated(i))
              .setTokenCount(response.getTokenCounts(i)));
    }
    return out.build();
  }

  private static EmbedImageResponse toEmbedImageResponse(
      EmbedImageRequest request, EncodeImageResponse response) {
    int n = request.getImagesCount();
    float[] values =
        AnswerTensors.embeddingValues(Backends.VISION_ENCODER, response.getEmbeddings(), n);
    EmbedImageResponse.Builder out =
        EmbedImageResponse.newBuilder()
            .setModel(response.getModel())
            .setModelVersion(response.getModelVersion())
            .setRequestId(request.getRequestId());
    for (int i = 0; i < n; i++) {
      out.addEmbeddings(embedding(values, n, i));
    }
    return out.build();
  }

  /** Row {@code row} of the [n, D] row-major {@code values}. */
  private static Embedding.Builder embedding(float[] values, int n, int row) {
    int dim = values.length / n;
    Embedding.Builder embedding = Embedding.newBuilder().setIndex(row);
    for (int col = 0; col < dim; col++) {
      embedding.addValues(values[row * dim + col]);
    }
    return embedding;
  }
}
