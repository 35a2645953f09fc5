package io.mmserve.fusion;

import io.grpc.stub.StreamObserver;
import io.mmserve.fusion.model.ClassifyResult;
import io.mmserve.fusion.model.FusionEngine;
import io.mmserve.fusion.model.MatchResult;
import io.mmserve.fusion.model.ScoreResult;
import io.mmserve.fusion.v1.ClassifyRequest;
import io.mmserve.fusion.v1.ClassifyResponse;
import io.mmserve.fusion.v1.FusionGrpc;
import io.mmserve.fusion.v1.MatchRequest;
import io.mmserve.fusion.v1.MatchResponse;
import io.mmserve.fusion.v1.ScoreRequest;
import io.mmserve.fusion.v1.ScoreResponse;
import io.mmserve.kit.deadline.Deadlines;
import io.mmserve.kit.errors.StatusMapper;
import java.util.function.Supplier;

/**
 * {@code mmserve.fusion.v1.Fusion}: unpacks the request tensors, delegates to the {@link
 * FusionEngine} on the calling gRPC thread, and packs the results. Every error reaches the client
 * through {@link StatusMapper}.
 */
public final class FusionService extends FusionGrpc.FusionImplBase {
  private final FusionEngine engine;

  public FusionService(FusionEngine engine) {
    this.engine = engine;
  }

  @Override
  public void score(ScoreRequest request, StreamObserver<ScoreResponse> observer) {
    respond(
        observer,
        () -> {
          ScoreResult r =
              engine.score(
                  request.getModel(),
                  TensorMessages.floats(
                      "image_embeddings",
                      request.hasImageEmbeddings(),
                      request.getImageEmbeddings()),
                  TensorMessages.floats(
                      "text_embeddings", request.hasTextEmbeddings(), request.getTextEmbeddings()));
          return ScoreResponse.newBuilder()
              .setLogitsPerImage(
                  TensorMessages.toMessage(r.logitsPerImage(), r.images(), r.texts()))
              .setLogitsPerText(TensorMessages.toMessage(r.logitsPerText(), r.texts(), r.images()))
              .setLogitScale(r.logitScale())
              .setModel(r.model().name())
              .setModelVersion(r.model().version())
              .build();
        });
  }

  @Override
  public void match(MatchRequest request, StreamObserver<MatchResponse> observer) {
    respond(
        observer,
        () -> {
          MatchResult r =
              engine.match(
                  request.getModel(),
                  TensorMessages.floats(
                      "token_features", request.hasTokenFeatures(), request.getTokenFeatures()),
                  TensorMessages.longs(
                      "attention_mask", request.hasAttentionMask(), request.getAttentionMask()),
                  TensorMessages.floats(
                      "patch_features", request.hasPatchFeatures(), request.getPatchFeatures()));
          return MatchResponse.newBuilder()
              .setProbabilities(
                  TensorMessages.toMessage(r.probabilities(), r.probabilities().length))
              .setLogits(TensorMessages.toMessage(r.logits(), r.logits().length))
              .setModel(r.model().name())
              .setModelVersion(r.model().version())
              .build();
        });
  }

  @Override
  public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> observer) {
    respond(
        observer,
        () -> {
          ClassifyResult r =
              engine.classify(
                  request.getModel(),
                  TensorMessages.floats(
                      "image_embeddings",
                      request.hasImageEmbeddings(),
                      request.getImageEmbeddings()),
                  TensorMessages.floats(
                      "label_embeddings",
                      request.hasLabelEmbeddings(),
                      request.getLabelEmbeddings()));
          return ClassifyResponse.newBuilder()
              .setProbabilities(TensorMessages.toMessage(r.probabilities(), r.images(), r.labels()))
              .setLogits(TensorMessages.toMessage(r.logits(), r.images(), r.labels()))
              .setModel(r.model().name())
              .setModelVersion(r.model().version())
              .build();
        });
  }

  /** Computes the response after checking the deadline; any failure becomes a gRPC status. */
  private static <T> void respond(StreamObserver<T> observer, Supplier<T> call) {
    T response;
    try {
      Deadlines.checkNotExpired();
      response = call.get();
    } catch (RuntimeException e) {
      observer.onError(StatusMapper.toStatusException(e));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }
}
