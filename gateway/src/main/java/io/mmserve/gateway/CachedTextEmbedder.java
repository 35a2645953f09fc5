package io.mmserve.gateway;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.inference.TensorCodec;
import io.mmserve.tensor.v1.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Normalised text embeddings of one known model version through the {@link LabelEmbeddingCache}:
 * only the texts not in the cache go to the text encoder (each distinct text once), pinned to that
 * version, in concurrent calls of at most {@code maxTextsPerCall} texts (the encoder's own per-call
 * limit, so 1,000 new labels are not refused), and their embeddings are stored for the next
 * request.
 */
final class CachedTextEmbedder {
  private final LabelEmbeddingCache cache;
  private final int maxTextsPerCall;

  CachedTextEmbedder(LabelEmbeddingCache cache, int maxTextsPerCall) {
    if (maxTextsPerCall < 1) {
      throw new IllegalArgumentException(
          "maxTextsPerCall must be at least 1, but was " + maxTextsPerCall);
    }
    this.cache = cache;
    this.maxTextsPerCall = maxTextsPerCall;
  }

  /**
   * The embeddings of {@code texts} as a FLOAT32 [texts, D] tensor, row i for text i.
   *
   * @param model the version the other side of the request was encoded with
   * @param requestId the public request's id, for the encoder's logs
   */
  ListenableFuture<Tensor> embed(
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
      return Futures.immediateFuture(TensorCodec.encodeRows(List.of(rows)));
    }
    List<String> toEncode = new ArrayList<>(missing);
    List<List<String>> chunks = new ArrayList<>();
    List<ListenableFuture<EncodeTextResponse>> calls = new ArrayList<>();
    for (int from = 0; from < toEncode.size(); from += maxTextsPerCall) {
      List<String> chunk =
          toEncode.subList(from, Math.min(toEncode.size(), from + maxTextsPerCall));
      chunks.add(chunk);
      calls.add(
          backends.encodeText(
              EncodeTextRequest.newBuilder()
                  .setModel(model.pinned())
                  .addAllTexts(chunk)
                  .setNormalize(true)
                  .setRequestId(requestId)
                  .build()));
    }
    return Futures.transform(
        Futures.allAsList(calls),
        responses -> fill(model, texts, rows, chunks, responses),
        MoreExecutors.directExecutor());
  }

  private Tensor fill(
      ModelVersion model,
      List<String> texts,
      float[][] rows,
      List<List<String>> chunks,
      List<EncodeTextResponse> responses) {
    Map<String, float[]> fresh = new HashMap<>();
    for (int c = 0; c < chunks.size(); c++) {
      List<String> encoded = chunks.get(c);
      EncodeTextResponse response = responses.get(c);
      Encodings.requireVersion(
          Backends.TEXT_ENCODER, model, response.getModel(), response.getModelVersion());
      float[] values =
          AnswerTensors.embeddingValues(
              Backends.TEXT_ENCODER, response.getEmbeddings(), encoded.size());
      int dim = values.length / encoded.size();
      for (int i = 0; i < encoded.size(); i++) {
        float[] row = Arrays.copyOfRange(values, i * dim, (i + 1) * dim);
        fresh.put(encoded.get(i), row);
        cache.put(model, encoded.get(i), row);
      }
    }
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] == null) {
        rows[i] = fresh.get(texts.get(i));
      }
    }
    return TensorCodec.encodeRows(List.of(rows));
  }
}
