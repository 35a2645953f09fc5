package io.mmserve.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.RankResponse;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.fusion.v1.MatchFeaturesRequest;
import io.mmserve.fusion.v1.ScoreEmbeddingsRequest;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.tensor.v1.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Rank: the query and the candidates are encoded (text candidates through the label cache),
 * fusion-svc scores the query against every candidate, and with {@code rerank_top_k} the best
 * candidates are rescored by fusion-svc's match head from token and patch features.
 */
final class RankCall {
  private final Backends.Calls backends;
  private final CachedTextEmbedder texts;
  private final RequestLimits limits;

  /**
   * What one case of query and candidate modality produced.
   *
   * @param query FLOAT32 [1, D], L2-normalised
   * @param candidates FLOAT32 [candidates, D], L2-normalised rows
   * @param reranker match probabilities of the given candidate indexes, in that order; null when
   *     the request does not rerank
   */
  private record Encoded(
      ModelVersion model,
      Tensor query,
      Tensor candidates,
      Function<List<Integer>, ListenableFuture<float[]>> reranker) {}

  RankCall(Backends.Calls backends, CachedTextEmbedder texts, RequestLimits limits) {
    this.backends = backends;
    this.texts = texts;
    this.limits = limits;
  }

  /**
   * Checks the request and starts the call.
   *
   * @throws InvalidInputException on bad input, before any backend is called
   */
  ListenableFuture<RankResponse> run(RankRequest request) {
    check(request);
    boolean textQuery = request.getQueryCase() == RankRequest.QueryCase.QUERY_TEXT;
    boolean textCandidates =
        request.getCandidatesCase() == RankRequest.CandidatesCase.CANDIDATE_TEXTS;
    ListenableFuture<Encoded> encoded;
    if (textQuery && !textCandidates) {
      encoded = textAgainstImages(request);
    } else if (!textQuery && textCandidates) {
      encoded = imageAgainstTexts(request);
    } else if (textQuery) {
      encoded = textAgainstTexts(request);
    } else {
      encoded = imageAgainstImages(request);
    }
    return Futures.transformAsync(encoded, e -> rank(request, e), directExecutor());
  }

  private void check(RankRequest request) {
    if (request.getQueryCase() == RankRequest.QueryCase.QUERY_NOT_SET) {
      throw new InvalidInputException(
          FieldViolation.of("query", "no query given; set query_text or query_image"));
    }
    switch (request.getCandidatesCase()) {
      case CANDIDATE_TEXTS ->
          limits.checkCandidateCount(
              "candidate_texts.texts", request.getCandidateTexts().getTextsCount());
      case CANDIDATE_IMAGES -> {
        List<Image> images = request.getCandidateImages().getImagesList();
        limits.checkCandidateCount("candidate_images.images", images.size());
        limits.checkImageCount("candidate_images.images", images.size());
        ImageChecks.checkAll("candidate_images.images", images);
      }
      case CANDIDATES_NOT_SET ->
          throw new InvalidInputException(
              FieldViolation.of(
                  "candidates", "no candidates given; set candidate_texts or candidate_images"));
    }
    if (request.getQueryCase() == RankRequest.QueryCase.QUERY_IMAGE) {
      ImageChecks.describe(request.getQueryImage()).check("query_image");
    }
    boolean sameModality =
        (request.getQueryCase() == RankRequest.QueryCase.QUERY_TEXT)
            == (request.getCandidatesCase() == RankRequest.CandidatesCase.CANDIDATE_TEXTS);
    if (request.getRerankTopK() > 0 && sameModality) {
      throw new InvalidInputException(
          FieldViolation.of(
              "rerank_top_k",
              "reranking needs a query and candidates of different modalities (a text query with"
                  + " image candidates, or an image query with text candidates)"));
    }
  }

  private ListenableFuture<Encoded> textAgainstImages(RankRequest request) {
    boolean rerank = request.getRerankTopK() > 0;
    List<Image> candidates = request.getCandidateImages().getImagesList();
    ListenableFuture<EncodeTextResponse> query =
        backends.encodeText(
            text(request.getModel(), List.of(request.getQueryText()), rerank, request));
    ListenableFuture<EncodeImageResponse> images =
        backends.encodeImage(image(request.getModel(), candidates, rerank, request));
    return Futures.whenAllSucceed(query, images)
        .call(
            () -> {
              EncodeTextResponse q = Futures.getDone(query);
              EncodeImageResponse c = Futures.getDone(images);
              ModelVersion model = new ModelVersion(c.getModel(), c.getModelVersion());
              Encodings.requireVersion(
                  Backends.TEXT_ENCODER, model, q.getModel(), q.getModelVersion());
              Function<List<Integer>, ListenableFuture<float[]>> reranker =
                  !rerank
                      ? null
                      : top ->
                          match(
                              MatchCall.matchRequest(
                                  TensorRows.repeat(q.getTokenFeatures(), 0, top.size()),
                                  TensorRows.repeat(q.getAttentionMask(), 0, top.size()),
                                  TensorRows.select(c.getPatchFeatures(), top),
                                  model),
                              top.size());
              return new Encoded(
                  model,
                  AnswerTensors.embeddings(Backends.TEXT_ENCODER, q.getEmbeddings(), 1),
                  AnswerTensors.embeddings(
                      Backends.VISION_ENCODER, c.getEmbeddings(), candidates.size()),
                  reranker);
            },
            directExecutor());
  }

  private ListenableFuture<Encoded> imageAgainstTexts(RankRequest request) {
    boolean rerank = request.getRerankTopK() > 0;
    List<String> candidates = request.getCandidateTexts().getTextsList();
    return Futures.transformAsync(
        backends.encodeImage(
            image(request.getModel(), List.of(request.getQueryImage()), rerank, request)),
        q -> {
          ModelVersion model = new ModelVersion(q.getModel(), q.getModelVersion());
          Tensor query = AnswerTensors.embeddings(Backends.VISION_ENCODER, q.getEmbeddings(), 1);
          Function<List<Integer>, ListenableFuture<float[]>> reranker =
              !rerank
                  ? null
                  : top -> {
                    List<String> best = new ArrayList<>(top.size());
                    top.forEach(i -> best.add(candidates.get(i)));
                    return Futures.transformAsync(
                        backends.encodeText(text(model.pinned(), best, true, request)),
                        t -> {
                          Encodings.requireVersion(
                              Backends.TEXT_ENCODER, model, t.getModel(), t.getModelVersion());
                          return match(
                              MatchCall.matchRequest(
                                  t.getTokenFeatures(),
                                  t.getAttentionMask(),
                                  TensorRows.repeat(q.getPatchFeatures(), 0, top.size()),
                                  model),
                              top.size());
                        },
                        directExecutor());
                  };
          return Futures.transform(
              texts.embed(backends, model, candidates, request.getRequestId()),
              c -> new Encoded(model, query, c, reranker),
              directExecutor());
        },
        directExecutor());
  }

  private ListenableFuture<Encoded> textAgainstTexts(RankRequest request) {
    return Futures.transformAsync(
        backends.encodeText(
            text(request.getModel(), List.of(request.getQueryText()), false, request)),
        q -> {
          ModelVersion model = new ModelVersion(q.getModel(), q.getModelVersion());
          Tensor query = AnswerTensors.embeddings(Backends.TEXT_ENCODER, q.getEmbeddings(), 1);
          return Futures.transform(
              texts.embed(
                  backends,
                  model,
                  request.getCandidateTexts().getTextsList(),
                  request.getRequestId()),
              c -> new Encoded(model, query, c, null),
              directExecutor());
        },
        directExecutor());
  }

  private ListenableFuture<Encoded> imageAgainstImages(RankRequest request) {
    List<Image> all = new ArrayList<>();
    all.add(request.getQueryImage());
    all.addAll(request.getCandidateImages().getImagesList());
    return Futures.transform(
        backends.encodeImage(image(request.getModel(), all, false, request)),
        r -> {
          Tensor both =
              AnswerTensors.embeddings(Backends.VISION_ENCODER, r.getEmbeddings(), all.size());
          return new Encoded(
              new ModelVersion(r.getModel(), r.getModelVersion()),
              TensorRows.range(both, 0, 1),
              TensorRows.range(both, 1, all.size()),
              null);
        },
        directExecutor());
  }

  private ListenableFuture<RankResponse> rank(RankRequest request, Encoded encoded) {
    // cosine similarity is symmetric, so the query is the "image" side of fusion's Score
    // whatever its modality, and row 0 of logits_per_image holds every candidate's logit
    ScoreEmbeddingsRequest score =
        ScoreEmbeddingsRequest.newBuilder()
            .setImageEmbeddings(encoded.query())
            .setTextEmbeddings(encoded.candidates())
            .setModel(encoded.model().pinned())
            .build();
    int n = (int) encoded.candidates().getShape(0);
    return Futures.transformAsync(
        backends.score(score),
        answer -> {
          float[] logits =
              AnswerTensors.floats(
                  Backends.FUSION, "logits_per_image", answer.getLogitsPerImage(), 1, n);
          float scale = answer.getLogitScale();
          if (!(scale > 0)) {
            throw new IllegalStateException("fusion-svc returned logit scale " + scale);
          }
          List<Integer> order = Ranking.bySimilarity(logits);
          int k = Math.min(request.getRerankTopK(), n);
          ListenableFuture<float[]> probabilities =
              k == 0
                  ? Futures.immediateFuture(new float[0])
                  : encoded.reranker().apply(List.copyOf(order.subList(0, k)));
          return Futures.transform(
              probabilities,
              p ->
                  RankResponse.newBuilder()
                      .addAllResults(Ranking.results(logits, scale, order, p, request.getTopK()))
                      .setModel(encoded.model().name())
                      .setModelVersion(encoded.model().version())
                      .setRequestId(request.getRequestId())
                      .build(),
              directExecutor());
        },
        directExecutor());
  }

  private ListenableFuture<float[]> match(MatchFeaturesRequest request, int n) {
    return Futures.transform(
        backends.match(request), answer -> MatchCall.scores(answer, n)[0], directExecutor());
  }

  private static EncodeTextRequest text(
      String model, List<String> texts, boolean features, RankRequest request) {
    return EncodeTextRequest.newBuilder()
        .setModel(model)
        .addAllTexts(texts)
        .setIncludeFeatures(features)
        .setNormalize(true)
        .setRequestId(request.getRequestId())
        .build();
  }

  private static EncodeImageRequest image(
      String model, List<Image> images, boolean features, RankRequest request) {
    return EncodeImageRequest.newBuilder()
        .setModel(model)
        .addAllImages(images)
        .setIncludeFeatures(features)
        .setNormalize(true)
        .setRequestId(request.getRequestId())
        .build();
  }
}
