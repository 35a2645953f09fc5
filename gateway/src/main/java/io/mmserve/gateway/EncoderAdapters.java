package io.mmserve.gateway;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.mmserve.api.v1.Image;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import io.mmserve.kit.client.AliasingMarshaller;
import io.mmserve.tensor.v1.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How {@link EncoderBatching} speaks to the text and the vision encoder.
 *
 * <p>An encoder's answer is parsed by an {@link AliasingMarshaller}: its tensors (embeddings, token
 * and patch features) stay views of the bytes read off the wire until they are passed on or
 * decoded. It is handled on the channel's I/O thread that read it (the call's executor is direct):
 * splitting a batch's answer over its callers and replying to them only completes futures and
 * queues writes, so handing it to a pool thread first would cost a thread hand-off per batch and
 * nothing else.
 */
final class EncoderAdapters {
  private static final MethodDescriptor<EncodeTextRequest, EncodeTextResponse> ENCODE_TEXT =
      AliasingMarshaller.aliasingResponses(
          TextEncoderGrpc.getEncodeTextMethod(), EncodeTextResponse.getDefaultInstance());
  private static final MethodDescriptor<EncodeImageRequest, EncodeImageResponse> ENCODE_IMAGE =
      AliasingMarshaller.aliasingResponses(
          VisionEncoderGrpc.getEncodeImageMethod(), EncodeImageResponse.getDefaultInstance());

  private EncoderAdapters() {}

  private static CallOptions callOptions(Deadline deadline) {
    return CallOptions.DEFAULT.withDeadline(deadline).withExecutor(MoreExecutors.directExecutor());
  }

  /** The text encoder: items are texts. */
  static final class Text
      implements EncoderBatching.Adapter<EncodeTextRequest, EncodeTextResponse, String> {
    @Override
    public EncoderBatching.Key key(EncodeTextRequest request) {
      return new EncoderBatching.Key(
          request.getModel(), request.getNormalize(), request.getIncludeFeatures());
    }

    @Override
    public List<String> items(EncodeTextRequest request) {
      return request.getTextsList();
    }

    @Override
    public String requestId(EncodeTextRequest request) {
      return request.getRequestId();
    }

    @Override
    public long bytes(String text) {
      return 48L + (long) text.length() * 2;
    }

    @Override
    public EncodeTextRequest request(EncoderBatching.Key key, List<String> texts, String id) {
      return EncodeTextRequest.newBuilder()
          .setModel(key.model())
          .setNormalize(key.normalize())
          .setIncludeFeatures(key.includeFeatures())
          .addAllTexts(texts)
          .setRequestId(id)
          .build();
    }

    @Override
    public ListenableFuture<EncodeTextResponse> send(
        Channel channel, Deadline deadline, EncodeTextRequest request) {
      return ClientCalls.futureUnaryCall(
          channel.newCall(ENCODE_TEXT, callOptions(deadline)), request);
    }

    @Override
    public long rows(EncodeTextResponse response) {
      return rowsOf(response.getEmbeddings());
    }

    @Override
    public EncodeTextResponse gather(List<EncodeTextResponse> responses, int[] rows) {
      EncodeTextResponse first = sameVersion(responses, EncodeTextResponse::getModelVersion);
      EncodeTextResponse.Builder out =
          EncodeTextResponse.newBuilder()
              .setModel(first.getModel())
              .setModelVersion(first.getModelVersion())
              .setEmbeddings(
                  TensorRows.gather(tensors(responses, EncodeTextResponse::getEmbeddings), rows));
      if (first.hasTokenFeatures()) {
        out.setTokenFeatures(
            TensorRows.gather(tensors(responses, EncodeTextResponse::getTokenFeatures), rows));
      }
      if (first.hasAttentionMask()) {
        out.setAttentionMask(
            TensorRows.gather(tensors(responses, EncodeTextResponse::getAttentionMask), rows));
      }
      for (int i = 0; i < rows.length; i++) {
        EncodeTextResponse r = responses.get(i);
        if (r.getTruncatedCount() > rows[i]) {
          out.addTruncated(r.getTruncated(rows[i]));
        }
        if (r.getTokenCountsCount() > rows[i]) {
          out.addTokenCounts(r.getTokenCounts(rows[i]));
        }
      }
      return out.build();
    }

    @Override
    public String itemsName() {
      return "texts";
    }
  }

  /** The vision encoder: items are images. */
  static final class Vision
      implements EncoderBatching.Adapter<EncodeImageRequest, EncodeImageResponse, Image> {
    @Override
    public EncoderBatching.Key key(EncodeImageRequest request) {
      return new EncoderBatching.Key(
          request.getModel(), request.getNormalize(), request.getIncludeFeatures());
    }

    @Override
    public List<Image> items(EncodeImageRequest request) {
      return request.getImagesList();
    }

    @Override
    public String requestId(EncodeImageRequest request) {
      return request.getRequestId();
    }

    @Override
    public long bytes(Image image) {
      return 64L + image.getSerializedSize();
    }

    @Override
    public EncodeImageRequest request(EncoderBatching.Key key, List<Image> images, String id) {
      return EncodeImageRequest.newBuilder()
          .setModel(key.model())
          .setNormalize(key.normalize())
          .setIncludeFeatures(key.includeFeatures())
          .addAllImages(images)
          .setRequestId(id)
          .build();
    }

    @Override
    public ListenableFuture<EncodeImageResponse> send(
        Channel channel, Deadline deadline, EncodeImageRequest request) {
      return ClientCalls.futureUnaryCall(
          channel.newCall(ENCODE_IMAGE, callOptions(deadline)), request);
    }

    @Override
    public long rows(EncodeImageResponse response) {
      return rowsOf(response.getEmbeddings());
    }

    @Override
    public EncodeImageResponse gather(List<EncodeImageResponse> responses, int[] rows) {
      EncodeImageResponse first = sameVersion(responses, EncodeImageResponse::getModelVersion);
      EncodeImageResponse.Builder out =
          EncodeImageResponse.newBuilder()
              .setModel(first.getModel())
              .setModelVersion(first.getModelVersion())
              .setEmbeddings(
                  TensorRows.gather(tensors(responses, EncodeImageResponse::getEmbeddings), rows));
      if (first.hasPatchFeatures()) {
        out.setPatchFeatures(
            TensorRows.gather(tensors(responses, EncodeImageResponse::getPatchFeatures), rows));
      }
      return out.build();
    }

    @Override
    public String itemsName() {
      return "images";
    }
  }

  private static long rowsOf(Tensor tensor) {
    return tensor.getShapeCount() == 0 ? 0 : tensor.getShape(0);
  }

  private static <R> List<Tensor> tensors(List<R> responses, Function<R, Tensor> tensor) {
    List<Tensor> out = new ArrayList<>(responses.size());
    responses.forEach(r -> out.add(tensor.apply(r)));
    return out;
  }

  /**
   * The first response, after checking that all come from one model version: a request split over
   * batches that straddle a model reload must not mix versions.
   */
  private static <R> R sameVersion(List<R> responses, Function<R, String> version) {
    R first = responses.get(0);
    for (R r : responses) {
      if (!version.apply(r).equals(version.apply(first))) {
        throw new io.mmserve.kit.errors.BackendUnavailableException(
            "the model version changed while the request was being encoded ("
                + version.apply(first)
                + ", "
                + version.apply(r)
                + "); retry");
      }
    }
    return first;
  }
}
