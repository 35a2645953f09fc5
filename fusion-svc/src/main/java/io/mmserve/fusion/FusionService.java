package io.mmserve.fusion;

import io.grpc.stub.StreamObserver;
import io.mmserve.fusion.model.ClassifyResult;
import io.mmserve.fusion.model.FusionEngine;
import io.mmserve.fusion.model.MatchResult;
import io.mmserve.fusion.model.ScoreResult;
import io.mmserve.fusion.model.TensorInput;
import io.mmserve.fusion.v1.ClassifyEmbeddingsRequest;
import io.mmserve.fusion.v1.ClassifyEmbeddingsResponse;
import io.mmserve.fusion.v1.FusionGrpc;
import io.mmserve.fusion.v1.MatchFeaturesRequest;
import io.mmserve.fusion.v1.MatchFeaturesResponse;
import io.mmserve.fusion.v1.ScoreEmbeddingsRequest;
import io.mmserve.fusion.v1.ScoreEmbeddingsResponse;
import io.mmserve.inference.DType;
import io.mmserve.inference.TensorCodec;
import io.mmserve.kit.deadline.Deadlines;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.StatusMapper;
import io.mmserve.kit.server.Replies;
import io.mmserve.tensor.v1.Tensor;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import java.util.function.Supplier;

/**
 * {@code mmserve.fusion.v1.Fusion}: decodes the request tensors ({@link TensorCodec}), delegates to
 * the {@link FusionEngine} on the calling gRPC thread, and packs the results. {@link Replies} sends
 * them: every error reaches the client through {@link StatusMapper}. Each computation is a span
 * ("fusion score", "fusion match", "fusion classify"), child of the call's server span.
 */
public final class FusionService extends FusionGrpc.FusionImplBase {
  private final FusionEngine engine;
  private final Tracer tracer;

  public FusionService(FusionEngine engine) {
    this(engine, TracerProvider.noop().get(""));
  }

  /** A service whose computations are spans made by {@code tracer}. */
  public FusionService(FusionEngine engine, Tracer tracer) {
    this.engine = engine;
    this.tracer = tracer;
  }

  @Override
  public void scoreEmbeddings(
      ScoreEmbeddingsRequest request, StreamObserver<ScoreEmbeddingsResponse> observer) {
    respond(
        "fusion score",
        observer,
        () -> {
          ScoreResult r =
              engine.score(
                  request.getModel(),
                  floats(
                      "image_embeddings",
                      request.hasImageEmbeddings(),
                      request.getImageEmbeddings()),
                  floats(
                      "text_embeddings", request.hasTextEmbeddings(), request.getTextEmbeddings()));
          return ScoreEmbeddingsResponse.newBuilder()
              .setLogitsPerImage(
                  TensorCodec.encodeFloats(r.logitsPerImage(), r.images(), r.texts()))
              .setLogitsPerText(TensorCodec.encodeFloats(r.logitsPerText(), r.texts(), r.images()))
              .setLogitScale(r.logitScale())
              .setModel(r.model().name())
              .setModelVersion(r.model().version())
              .build();
        });
  }

  @Override
  public void matchFeatures(
      MatchFeaturesRequest request, StreamObserver<MatchFeaturesResponse> observer) {
    respond(
        "fusion match",
        observer,
        () -> {
          MatchResult r =
              engine.match(
                  request.getModel(),
                  floats("token_features", request.hasTokenFeatures(), request.getTokenFeatures()),
                  input(
                      "attention_mask",
                      request.hasAttentionMask(),
                      request.getAttentionMask(),
                      DType.INT64),
                  floats("patch_features", request.hasPatchFeatures(), request.getPatchFeatures()));
          return MatchFeaturesResponse.newBuilder()
              .setProbabilities(
                  TensorCodec.encodeFloats(r.probabilities(), r.probabilities().length))
              .setLogits(TensorCodec.encodeFloats(r.logits(), r.logits().length))
              .setModel(r.model().name())
              .setModelVersion(r.model().version())
              .build();
        });
  }

  @Override
  public void classifyEmbeddings(
      ClassifyEmbeddingsRequest request, StreamObserver<ClassifyEmbeddingsResponse> observer) {
    respond(
        "fusion classify",
        observer,
        () -> {
          ClassifyResult r =
              engine.classify(
                  request.getModel(),
                  floats(
                      "image_embeddings",
                      request.hasImageEmbeddings(),
                      request.getImageEmbeddings()),
                  floats(
                      "label_embeddings",
                      request.hasLabelEmbeddings(),
                      request.getLabelEmbeddings()));
          return ClassifyEmbeddingsResponse.newBuilder()
              .setProbabilities(TensorCodec.encodeFloats(r.probabilities(), r.images(), r.labels()))
              .setLogits(TensorCodec.encodeFloats(r.logits(), r.images(), r.labels()))
              .setModel(r.model().name())
              .setModelVersion(r.model().version())
              .build();
        });
  }

  /** The FLOAT32 tensor of request field {@code field}, which must be set. */
  static TensorInput floats(String field, boolean present, Tensor message) {
    return input(field, present, message, DType.FLOAT32);
  }

  /**
   * The tensor of request field {@code field}, decoded by the {@link TensorCodec}.
   *
   * @throws InvalidInputException if it is not set or is malformed
   */
  static TensorInput input(String field, boolean present, Tensor message, DType dtype) {
    if (!present) {
      throw new InvalidInputException(field + " is required");
    }
    return new TensorInput(field, TensorCodec.decode(field, message, dtype));
  }

  /** Computes the response after checking the deadline; any failure becomes a gRPC status. */
  private <T> void respond(String spanName, StreamObserver<T> observer, Supplier<T> call) {
    Replies.now(
        () -> {
          Deadlines.checkNotExpired();
          Span span = tracer.spanBuilder(spanName).startSpan();
          try (Scope ignored = span.makeCurrent()) {
            return call.get();
          } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
          } finally {
            span.end();
          }
        },
        observer);
  }
}
