package io.mmserve.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.mmserve.api.v1.Matrix;
import io.mmserve.api.v1.ScoreRequest;
import io.mmserve.api.v1.ScoreResponse;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.fusion.v1.ScoreEmbeddingsRequest;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.tensor.v1.Tensor;
import java.util.Optional;

/**
 * Score: each side is taken as given (embeddings, checked and L2-normalised) or encoded (images,
 * texts, normalised by the encoders; both sides at once), and fusion-svc computes the logit
 * matrices in both directions.
 */
final class ScoreCall {
  private final Backends.Calls backends;
  private final RequestLimits limits;

  /**
   * One side of the request once it is embeddings, with the model that encoded it, if any.
   *
   * @param embeddings FLOAT32 [rows, size], L2-normalised rows as fusion-svc takes them
   */
  private record Side(Tensor embeddings, Optional<ModelVersion> model) {
    long rows() {
      return embeddings.getShape(0);
    }

    long size() {
      return embeddings.getShape(1);
    }
  }

  ScoreCall(Backends.Calls backends, RequestLimits limits) {
    this.backends = backends;
    this.limits = limits;
  }

  /**
   * Checks the request and starts the call.
   *
   * @throws InvalidInputException on bad input, before any backend is called
   */
  ListenableFuture<ScoreResponse> run(ScoreRequest request) {
    boolean givenImages = request.getImageEmbeddingsCount() > 0;
    boolean givenTexts = request.getTextEmbeddingsCount() > 0;
    checkOneForm("image_embeddings", givenImages, "images", request.getImagesCount() > 0);
    checkOneForm("text_embeddings", givenTexts, "texts", request.getTextsCount() > 0);
    Tensor imageEmbeddings = null;
    Tensor textEmbeddings = null;
    if (givenImages) {
      limits.checkEmbeddingCount("image_embeddings", request.getImageEmbeddingsCount());
      imageEmbeddings =
          CallerEmbeddings.normalized("image_embeddings", request.getImageEmbeddingsList(), 0, "");
    } else {
      limits.checkImageCount(request.getImagesCount());
      ImageChecks.checkAll("images", request.getImagesList());
    }
    if (givenTexts) {
      limits.checkEmbeddingCount("text_embeddings", request.getTextEmbeddingsCount());
      textEmbeddings =
          imageEmbeddings == null
              ? CallerEmbeddings.normalized(
                  "text_embeddings", request.getTextEmbeddingsList(), 0, "")
              : CallerEmbeddings.normalized(
                  "text_embeddings",
                  request.getTextEmbeddingsList(),
                  (int) imageEmbeddings.getShape(1),
                  "image_embeddings[0]");
    } else {
      limits.checkTextCount(request.getTextsCount());
    }
    ListenableFuture<Side> images =
        givenImages
            ? Futures.immediateFuture(new Side(imageEmbeddings, Optional.empty()))
            : encodeImages(request);
    ListenableFuture<Side> texts =
        givenTexts
            ? Futures.immediateFuture(new Side(textEmbeddings, Optional.empty()))
            : encodeTexts(request);
    return Futures.whenAllSucceed(images, texts)
        .callAsync(
            () -> score(request, Futures.getDone(images), Futures.getDone(texts)),
            directExecutor());
  }

  private static void checkOneForm(
      String embeddingsField, boolean embeddings, String rawField, boolean raw) {
    if (embeddings == raw) {
      throw new InvalidInputException(
          embeddingsField
              + ", "
              + rawField
              + ": give exactly one of them, but "
              + (raw ? "both were given" : "neither was given"));
    }
  }

  private ListenableFuture<Side> encodeImages(ScoreRequest request) {
    EncodeImageRequest encode =
        EncodeImageRequest.newBuilder()
            .setModel(request.getModel())
            .addAllImages(request.getImagesList())
            .setNormalize(true)
            .setRequestId(request.getRequestId())
            .build();
    return Futures.transform(
        backends.encodeImage(encode),
        r ->
            new Side(
                AnswerTensors.embeddings(
                    Backends.VISION_ENCODER, r.getEmbeddings(), request.getImagesCount()),
                Optional.of(new ModelVersion(r.getModel(), r.getModelVersion()))),
        directExecutor());
  }

  private ListenableFuture<Side> encodeTexts(ScoreRequest request) {
    EncodeTextRequest encode =
        EncodeTextRequest.newBuilder()
            .setModel(request.getModel())
            .addAllTexts(request.getTextsList())
            .setNormalize(true)
            .setRequestId(request.getRequestId())
            .build();
    return Futures.transform(
        backends.encodeText(encode),
        r ->
            new Side(
                AnswerTensors.embeddings(
                    Backends.TEXT_ENCODER, r.getEmbeddings(), request.getTextsCount()),
                Optional.of(new ModelVersion(r.getModel(), r.getModelVersion()))),
        directExecutor());
  }

  private ListenableFuture<ScoreResponse> score(ScoreRequest request, Side images, Side texts) {
    Optional<ModelVersion> model = images.model().or(texts::model);
    if (images.model().isPresent() && texts.model().isPresent()) {
      Encodings.requireVersion(
          Backends.TEXT_ENCODER,
          images.model().get(),
          texts.model().get().name(),
          texts.model().get().version());
    }
    if (model.isPresent()) {
      // a side the caller gave must have the size of the side the model encoded
      if (images.model().isEmpty()) {
        CallerEmbeddings.checkModelSize(
            "image_embeddings", images.embeddings(), texts.size(), model.get());
      }
      if (texts.model().isEmpty()) {
        CallerEmbeddings.checkModelSize(
            "text_embeddings", texts.embeddings(), images.size(), model.get());
      }
    }
    ScoreEmbeddingsRequest fusion =
        ScoreEmbeddingsRequest.newBuilder()
            .setImageEmbeddings(images.embeddings())
            .setTextEmbeddings(texts.embeddings())
            .setModel(model.map(ModelVersion::pinned).orElse(request.getModel()))
            .build();
    int rows = (int) images.rows();
    int cols = (int) texts.rows();
    return Futures.transform(
        backends.score(fusion),
        answer ->
            ScoreResponse.newBuilder()
                .setLogitsPerImage(
                    matrix(
                        rows,
                        cols,
                        AnswerTensors.floats(
                            Backends.FUSION,
                            "logits_per_image",
                            answer.getLogitsPerImage(),
                            rows,
                            cols)))
                .setLogitsPerText(
                    matrix(
                        cols,
                        rows,
                        AnswerTensors.floats(
                            Backends.FUSION,
                            "logits_per_text",
                            answer.getLogitsPerText(),
                            cols,
                            rows)))
                .setLogitScale(answer.getLogitScale())
                .setModel(model.map(ModelVersion::name).orElse(answer.getModel()))
                .setModelVersion(model.map(ModelVersion::version).orElse(answer.getModelVersion()))
                .setRequestId(request.getRequestId())
                .build(),
        directExecutor());
  }

  private static Matrix matrix(int rows, int cols, float[] values) {
    Matrix.Builder matrix = Matrix.newBuilder().setRows(rows).setCols(cols);
    for (float v : values) {
      matrix.addValues(v);
    }
    return matrix.build();
  }
}
