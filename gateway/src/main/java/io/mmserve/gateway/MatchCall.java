package io.mmserve.gateway;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.mmserve.api.v1.ImageTextPair;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MatchResponse;
import io.mmserve.api.v1.MatchResult;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.fusion.v1.MatchFeaturesRequest;
import io.mmserve.fusion.v1.MatchFeaturesResponse;
import io.mmserve.tensor.v1.Tensor;
import java.util.List;

/**
 * Match: the pair texts (token features and attention mask) and the pair images (patch features)
 * are encoded at the same time, and fusion-svc's cross-modal attention head scores each pair.
 */
final class MatchCall {
  private final Backends.Calls backends;
  private final RequestLimits limits;

  MatchCall(Backends.Calls backends, RequestLimits limits) {
    this.backends = backends;
    this.limits = limits;
  }

  /**
   * Checks the request and starts the call.
   *
   * @throws io.mmserve.kit.errors.InvalidInputException on bad input, before any backend is called
   */
  ListenableFuture<MatchResponse> run(MatchRequest request) {
    limits.checkPairCount(request.getPairsCount());
    List<ImageTextPair> pairs = request.getPairsList();
    for (int i = 0; i < pairs.size(); i++) {
      ImageChecks.describe(pairs.get(i).getImage()).check("pairs[" + i + "].image");
    }
    EncodeTextRequest.Builder texts =
        EncodeTextRequest.newBuilder()
            .setModel(request.getModel())
            .setIncludeFeatures(true)
            .setNormalize(true)
            .setRequestId(request.getRequestId());
    EncodeImageRequest.Builder images =
        EncodeImageRequest.newBuilder()
            .setModel(request.getModel())
            .setIncludeFeatures(true)
            .setNormalize(true)
            .setRequestId(request.getRequestId());
    for (ImageTextPair pair : pairs) {
      texts.addTexts(pair.getText());
      images.addImages(pair.getImage());
    }
    ListenableFuture<EncodeTextResponse> textAnswer = backends.encodeText(texts.build());
    ListenableFuture<EncodeImageResponse> imageAnswer = backends.encodeImage(images.build());
    return Futures.whenAllSucceed(textAnswer, imageAnswer)
        .callAsync(
            () -> match(request, Futures.getDone(textAnswer), Futures.getDone(imageAnswer)),
            MoreExecutors.directExecutor());
  }

  private ListenableFuture<MatchResponse> match(
      MatchRequest request, EncodeTextResponse texts, EncodeImageResponse images) {
    ModelVersion model = new ModelVersion(images.getModel(), images.getModelVersion());
    Encodings.requireVersion(
        Backends.TEXT_ENCODER, model, texts.getModel(), texts.getModelVersion());
    MatchFeaturesRequest fusion =
        matchRequest(
            texts.getTokenFeatures(), texts.getAttentionMask(), images.getPatchFeatures(), model);
    int n = request.getPairsCount();
    return Futures.transform(
        backends.match(fusion),
        answer -> {
          float[][] scores = scores(answer, n);
          MatchResponse.Builder response =
              MatchResponse.newBuilder()
                  .setModel(model.name())
                  .setModelVersion(model.version())
                  .setRequestId(request.getRequestId());
          for (int i = 0; i < n; i++) {
            response.addResults(
                MatchResult.newBuilder()
                    .setIndex(i)
                    .setProbability(scores[0][i])
                    .setLogit(scores[1][i]));
          }
          return response.build();
        },
        MoreExecutors.directExecutor());
  }

  /** The fusion request for pairs whose features are row-aligned. */
  static MatchFeaturesRequest matchRequest(
      Tensor tokenFeatures, Tensor attentionMask, Tensor patchFeatures, ModelVersion model) {
    return MatchFeaturesRequest.newBuilder()
        .setTokenFeatures(tokenFeatures)
        .setAttentionMask(attentionMask)
        .setPatchFeatures(patchFeatures)
        .setModel(model.pinned())
        .build();
  }

  /** {probabilities, logits} of the {@code n} pairs of a fusion Match answer. */
  static float[][] scores(MatchFeaturesResponse answer, int n) {
    return new float[][] {
      AnswerTensors.floats(Backends.FUSION, "probabilities", answer.getProbabilities(), n),
      AnswerTensors.floats(Backends.FUSION, "logits", answer.getLogits(), n)
    };
  }
}
