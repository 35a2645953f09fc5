package io.mmserve.gateway;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Normalised text embeddings of one known model version through the {@link LabelEmbeddingCache}:
 * only the texts not in the cache go to the text encoder (each distinct text once), pinned to that
 * version, and their embeddings are stored for the next request.
 */
final class CachedTextEmbedder {
  private final LabelEmbeddingCache cache;

  CachedTextEmbedder(LabelEmbeddingCache cache) {
    this.cache = cache;
  }

  /**
   * The embeddings of {@code texts}, row i for text i.
   *
   * @param model the version the other side of the request was encoded with
   * @param requestId the public request's id, for the encoder's logs
   */
  ListenableFuture<EmbeddingMatrix> embed(
      Backends.Calls backends, ModelVersion model, List<String> texts, String requestId) {
    float[][] rows = new float[texts.size()][];
    LinkedHashSet<String> missing = new LinkedHashSet<>();
    for (int i = 0; i < texts.size(); i++) {
      rows[i] = cache.get(model, texts.get(i));
      if (rows[i] == null) {
        missing.add(texts.get(i));
      }
    }
    if (missing.isEmpty()) {
      return Futures.immediateFuture(EmbeddingMatrix.ofRows(List.of(rows)));
    }
    List<String> toEncode = new ArrayList<>(missing);
    EncodeTextRequest request =
        EncodeTextRequest.newBuilder()
            .setModel(model.pinned())
            .addAllTexts(toEncode)
            .setNormalize(true)
            .setRequestId(requestId)
            .build();
    return Futures.transform(
        backends.encodeText(request),
        response -> fill(model, texts, rows, toEncode, response),
        MoreExecutors.directExecutor());
  }

  private EmbeddingMatrix fill(
      ModelVersion model,
      List<String> texts,
      float[][] rows,
      List<String> encoded,
      EncodeTextResponse response) {
    Encodings.requireVersion(
        Backends.TEXT_ENCODER, model, response.getModel(), response.getModelVersion());
    EmbeddingMatrix fresh =
        EmbeddingMatrix.fromTensor(Backends.TEXT_ENCODER, response.getEmbeddings(), encoded.size());
    Map<String, Integer> rowOf = new HashMap<>();
    for (int i = 0; i < encoded.size(); i++) {
      rowOf.put(encoded.get(i), i);
      cache.put(model, encoded.get(i), fresh.row(i));
    }
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] == null) {
        rows[i] = fresh.row(rowOf.get(texts.get(i)));
      }
    }
    return EmbeddingMatrix.ofRows(List.of(rows));
  }
}
