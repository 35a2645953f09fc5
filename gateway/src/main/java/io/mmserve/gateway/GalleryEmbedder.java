package io.mmserve.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.Image;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.inference.Vectors;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Embeds the texts and images of a gallery call through the encoders (and their batchers), as
 * L2-normalised rows with the model version that made them.
 */
final class GalleryEmbedder {
  /**
   * Embeddings from one encoder answer.
   *
   * @param rows one L2-normalised row per input, in order
   * @param model the model version that made them
   */
  record Embedded(List<float[]> rows, ModelVersion model) {
    int dimension() {
      return rows.getFirst().length;
    }
  }

  private final Backends.Calls backends;

  GalleryEmbedder(Backends.Calls backends) {
    this.backends = backends;
  }

  /** Embeds {@code texts} (at least one) with {@code model} ("" for the default). */
  ListenableFuture<Embedded> texts(String model, List<String> texts, String requestId) {
    EncodeTextRequest encode =
        EncodeTextRequest.newBuilder()
            .setModel(model)
            .addAllTexts(texts)
            .setNormalize(true)
            .setRequestId(requestId)
            .build();
    return Futures.transform(
        backends.encodeText(encode),
        r ->
            new Embedded(
                rows(
                    AnswerTensors.embeddingValues(
                        Backends.TEXT_ENCODER, r.getEmbeddings(), texts.size()),
                    texts.size()),
                new ModelVersion(r.getModel(), r.getModelVersion())),
        directExecutor());
  }

  /** Embeds {@code images} (at least one, checked at the edge) with {@code model}. */
  ListenableFuture<Embedded> images(String model, List<Image> images, String requestId) {
    EncodeImageRequest encode =
        EncodeImageRequest.newBuilder()
            .setModel(model)
            .addAllImages(images)
            .setNormalize(true)
            .setRequestId(requestId)
            .build();
    return Futures.transform(
        backends.encodeImage(encode),
        r ->
            new Embedded(
                rows(
                    AnswerTensors.embeddingValues(
                        Backends.VISION_ENCODER, r.getEmbeddings(), images.size()),
                    images.size()),
                new ModelVersion(r.getModel(), r.getModelVersion())),
        directExecutor());
  }

  /**
   * A ready embedding a caller sent, checked (values present and finite) and L2-normalised with
   * {@link Vectors} (a zero embedding stays zero, and gallery-svc refuses it).
   *
   * @param path the request field it came from, for messages ("items[2].embedding")
   * @throws InvalidInputException naming the field if it breaks a rule
   */
  static float[] given(String path, Embedding embedding) {
    if (embedding.getValuesCount() == 0) {
      throw new InvalidInputException(FieldViolation.of(path, "the embedding has no values"));
    }
    float[] row = new float[embedding.getValuesCount()];
    for (int v = 0; v < row.length; v++) {
      row[v] = embedding.getValues(v);
      if (!Float.isFinite(row[v])) {
        throw new InvalidInputException(
            FieldViolation.of(path + ".values[" + v + "]", row[v] + " is not a finite number"));
      }
    }
    Vectors.normalize(row);
    return row;
  }

  private static List<float[]> rows(float[] values, int n) {
    int dim = values.length / n;
    List<float[]> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      rows.add(java.util.Arrays.copyOfRange(values, i * dim, (i + 1) * dim));
    }
    return rows;
  }
}
