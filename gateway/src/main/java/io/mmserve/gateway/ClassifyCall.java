package io.mmserve.gateway;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.mmserve.api.v1.Classification;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.LabelScore;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.fusion.v1.ClassifyEmbeddingsRequest;
import io.mmserve.fusion.v1.ClassifyEmbeddingsResponse;
import io.mmserve.tensor.v1.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Zero-shot Classify: the images are encoded first (their answer names the model version), the
 * label prompts come from the cache or the text encoder pinned to that version, and fusion-svc
 * turns both into logits and a softmax over the labels.
 */
final class ClassifyCall {
  private final Backends.Calls backends;
  private final CachedTextEmbedder texts;
  private final RequestLimits limits;

  ClassifyCall(Backends.Calls backends, CachedTextEmbedder texts, RequestLimits limits) {
    this.backends = backends;
    this.texts = texts;
    this.limits = limits;
  }

  /**
   * Checks the request and starts the call.
   *
   * @throws io.mmserve.kit.errors.InvalidInputException on bad input, before any backend is called
   */
  ListenableFuture<ClassifyResponse> run(ClassifyRequest request) {
    limits.checkImageCount(request.getImagesCount());
    ImageChecks.checkAll("images", request.getImagesList());
    LabelPrompts prompts =
        LabelPrompts.of(request.getLabelsList(), request.getPromptTemplate(), limits);
    EncodeImageRequest encode =
        EncodeImageRequest.newBuilder()
            .setModel(request.getModel())
            .addAllImages(request.getImagesList())
            .setNormalize(true)
            .setRequestId(request.getRequestId())
            .build();
    return Futures.transformAsync(
        backends.encodeImage(encode),
        images -> classify(request, prompts, images),
        MoreExecutors.directExecutor());
  }

  private ListenableFuture<ClassifyResponse> classify(
      ClassifyRequest request, LabelPrompts prompts, EncodeImageResponse images) {
    ModelVersion model = new ModelVersion(images.getModel(), images.getModelVersion());
    Tensor imageEmbeddings =
        AnswerTensors.embeddings(
            Backends.VISION_ENCODER, images.getEmbeddings(), request.getImagesCount());
    return Futures.transformAsync(
        texts.embed(backends, model, prompts.prompts(), request.getRequestId()),
        labelEmbeddings -> {
          ClassifyEmbeddingsRequest fusion =
              ClassifyEmbeddingsRequest.newBuilder()
                  .setImageEmbeddings(imageEmbeddings)
                  .setLabelEmbeddings(labelEmbeddings)
                  .setModel(model.pinned())
                  .build();
          return Futures.transform(
              backends.classify(fusion),
              answer -> toResponse(request, prompts, model, answer),
              MoreExecutors.directExecutor());
        },
        MoreExecutors.directExecutor());
  }

  static ClassifyResponse toResponse(
      ClassifyRequest request,
      LabelPrompts prompts,
      ModelVersion model,
      ClassifyEmbeddingsResponse answer) {
    int images = request.getImagesCount();
    int labels = prompts.labels().size();
    float[] probabilities =
        AnswerTensors.floats(
            Backends.FUSION, "probabilities", answer.getProbabilities(), images, labels);
    float[] logits =
        AnswerTensors.floats(Backends.FUSION, "logits", answer.getLogits(), images, labels);
    int keep = request.getTopK() == 0 ? labels : Math.min(request.getTopK(), labels);
    ClassifyResponse.Builder response =
        ClassifyResponse.newBuilder()
            .setModel(model.name())
            .setModelVersion(model.version())
            .setRequestId(request.getRequestId());
    for (int i = 0; i < images; i++) {
      List<LabelScore> scores = new ArrayList<>(labels);
      for (int k = 0; k < labels; k++) {
        scores.add(
            LabelScore.newBuilder()
                .setLabel(prompts.labels().get(k))
                .setProbability(probabilities[i * labels + k])
                .setLogit(logits[i * labels + k])
                .build());
      }
      // stable: equal probabilities keep the request's label order
      scores.sort(Comparator.comparingDouble(LabelScore::getProbability).reversed());
      response.addClassifications(
          Classification.newBuilder().setIndex(i).addAllScores(scores.subList(0, keep)));
    }
    return response.build();
  }
}
