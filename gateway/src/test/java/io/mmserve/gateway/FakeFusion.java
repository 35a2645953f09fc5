package io.mmserve.gateway;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.mmserve.fusion.v1.ClassifyEmbeddingsRequest;
import io.mmserve.fusion.v1.ClassifyEmbeddingsResponse;
import io.mmserve.fusion.v1.FusionGrpc;
import io.mmserve.fusion.v1.MatchFeaturesRequest;
import io.mmserve.fusion.v1.MatchFeaturesResponse;
import io.mmserve.fusion.v1.ScoreEmbeddingsRequest;
import io.mmserve.fusion.v1.ScoreEmbeddingsResponse;
import io.mmserve.inference.TensorCodec;
import io.mmserve.tensor.v1.Tensor;

/**
 * fusion-svc for gateway tests, computing what the real one does in plain double arithmetic: Score
 * and Classify are {@link #LOGIT_SCALE} x cosine, 0 with a zero vector (Classify with a softmax
 * over the labels). Match's logit is the dot product of the first token feature and the first patch
 * feature of each pair (the fake encoders put the item's vector there), its probability the
 * sigmoid. It remembers the last request of each kind and the last deadline, and answers with
 * {@link #failWith} when set.
 */
final class FakeFusion extends FusionGrpc.FusionImplBase {
  static final float LOGIT_SCALE = 10f;
  static final String MODEL = "fake-clip";
  static final String VERSION = "0.0.7";

  volatile ScoreEmbeddingsRequest lastScore;
  volatile MatchFeaturesRequest lastMatch;
  volatile ClassifyEmbeddingsRequest lastClassify;
  volatile Deadline lastDeadline;
  volatile int calls;
  volatile Status failWith;

  @Override
  public void scoreEmbeddings(
      ScoreEmbeddingsRequest request, StreamObserver<ScoreEmbeddingsResponse> out) {
    if (failed(out)) {
      return;
    }
    lastScore = request;
    float[][] images = rows(request.getImageEmbeddings());
    float[][] texts = rows(request.getTextEmbeddings());
    float[][] perImage = logits(images, texts);
    float[][] perText = new float[texts.length][images.length];
    for (int i = 0; i < images.length; i++) {
      for (int t = 0; t < texts.length; t++) {
        perText[t][i] = perImage[i][t];
      }
    }
    out.onNext(
        ScoreEmbeddingsResponse.newBuilder()
            .setLogitsPerImage(FakeTextEncoder.tensor(perImage, texts.length))
            .setLogitsPerText(FakeTextEncoder.tensor(perText, images.length))
            .setLogitScale(LOGIT_SCALE)
            .setModel(MODEL)
            .setModelVersion(VERSION)
            .build());
    out.onCompleted();
  }

  @Override
  public void classifyEmbeddings(
      ClassifyEmbeddingsRequest request, StreamObserver<ClassifyEmbeddingsResponse> out) {
    if (failed(out)) {
      return;
    }
    lastClassify = request;
    float[][] images = rows(request.getImageEmbeddings());
    float[][] labels = rows(request.getLabelEmbeddings());
    float[][] logits = logits(images, labels);
    float[][] probabilities = new float[images.length][];
    for (int i = 0; i < images.length; i++) {
      probabilities[i] = softmax(logits[i]);
    }
    out.onNext(
        ClassifyEmbeddingsResponse.newBuilder()
            .setLogits(FakeTextEncoder.tensor(logits, labels.length))
            .setProbabilities(FakeTextEncoder.tensor(probabilities, labels.length))
            .build());
    out.onCompleted();
  }

  @Override
  public void matchFeatures(
      MatchFeaturesRequest request, StreamObserver<MatchFeaturesResponse> out) {
    if (failed(out)) {
      return;
    }
    lastMatch = request;
    int n = (int) request.getTokenFeatures().getShape(0);
    float[] tokens = floats(request.getTokenFeatures());
    float[] patches = floats(request.getPatchFeatures());
    int tokenRow = tokens.length / n;
    int patchRow = patches.length / n;
    int width = (int) request.getTokenFeatures().getShape(2);
    float[] logits = new float[n];
    float[] probabilities = new float[n];
    for (int p = 0; p < n; p++) {
      double dot = 0;
      for (int w = 0; w < width; w++) {
        dot += tokens[p * tokenRow + w] * patches[p * patchRow + w];
      }
      logits[p] = (float) dot;
      probabilities[p] = (float) (1 / (1 + Math.exp(-dot)));
    }
    out.onNext(
        MatchFeaturesResponse.newBuilder()
            .setLogits(vector(logits))
            .setProbabilities(vector(probabilities))
            .build());
    out.onCompleted();
  }

  /** logit scale x cosine of every pair of rows. */
  static float[][] logits(float[][] a, float[][] b) {
    float[][] out = new float[a.length][b.length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        out[i][j] = (float) (LOGIT_SCALE * cosine(a[i], b[j]));
      }
    }
    return out;
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int k = 0; k < a.length; k++) {
      dot += a[k] * b[k];
      na += a[k] * a[k];
      nb += b[k] * b[k];
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }

  static float[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    double[] e = new double[logits.length];
    for (int k = 0; k < logits.length; k++) {
      e[k] = Math.exp(logits[k] - max);
      sum += e[k];
    }
    float[] out = new float[logits.length];
    for (int k = 0; k < logits.length; k++) {
      out[k] = (float) (e[k] / sum);
    }
    return out;
  }

  private boolean failed(StreamObserver<?> out) {
    calls++;
    lastDeadline = Context.current().getDeadline();
    if (failWith != null) {
      out.onError(failWith.asRuntimeException());
      return true;
    }
    return false;
  }

  private static float[][] rows(Tensor tensor) {
    int rows = (int) tensor.getShape(0);
    int cols = (int) tensor.getShape(1);
    float[] values = floats(tensor);
    float[][] out = new float[rows][cols];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(values, r * cols, out[r], 0, cols);
    }
    return out;
  }

  static float[] floats(Tensor tensor) {
    return TensorCodec.decode("tensor", tensor).toFloatArray();
  }

  private static Tensor vector(float[] values) {
    return TensorCodec.encodeFloats(values, values.length);
  }
}
