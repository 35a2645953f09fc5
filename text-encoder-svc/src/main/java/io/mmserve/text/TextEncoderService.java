package io.mmserve.text;

import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.inference.TensorCodec;
import io.mmserve.kit.deadline.Deadlines;
import io.mmserve.kit.errors.StatusMapper;
import io.mmserve.kit.fault.FaultInjection;
import io.mmserve.kit.server.Replies;
import io.mmserve.text.encoder.TextEncoder;
import io.mmserve.text.encoder.TextEncoding;
import io.mmserve.text.encoder.TextRequest;
import java.util.concurrent.CompletableFuture;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mmserve.encoder.v1.TextEncoder}: translates requests for the {@link TextEncoder} and its
 * encodings into responses.
 *
 * <p>Asynchronous: the gRPC thread checks, tokenizes and queues the texts, then returns; the answer
 * is sent from the batcher's thread when the encodings are ready. Texts of a caller that cancels or
 * runs out of time are dropped before inference. {@link Replies} sends the answer: every error
 * reaches the client through {@link StatusMapper}, and a cancelled call gets nothing.
 */
public final class TextEncoderService extends TextEncoderGrpc.TextEncoderImplBase {
  private static final Logger log = LoggerFactory.getLogger(TextEncoderService.class);

  private final TextEncoder encoder;
  private final FaultInjection faults;
  private final DoubleSupplier draw;

  /** Without faults. */
  public TextEncoderService(TextEncoder encoder) {
    this(encoder, FaultInjection.OFF, () -> 1);
  }

  /**
   * @param faults the drill faults added to answers of one version (usually off)
   * @param draw a uniform draw in [0, 1) per answer, for the faults (thread-safe)
   */
  public TextEncoderService(TextEncoder encoder, FaultInjection faults, DoubleSupplier draw) {
    this.encoder = encoder;
    this.faults = faults;
    this.draw = draw;
  }

  @Override
  public void encodeText(
      EncodeTextRequest request, StreamObserver<EncodeTextResponse> responseObserver) {
    CompletableFuture<TextEncoding> encoding;
    try {
      Context context = Context.current();
      Deadlines.checkNotExpired(context);
      encoding =
          encoder.encode(
              new TextRequest(
                  request.getModel(),
                  request.getTextsList(),
                  request.getIncludeFeatures(),
                  request.getNormalize()),
              Deadlines.cancellationOf(context));
    } catch (RuntimeException e) {
      encoding = CompletableFuture.failedFuture(e);
    }
    encoding =
        faults.apply(
            encoding, e -> e.model() + "@" + e.modelVersion(), draw, FaultInjection::delayed);
    encoding.whenComplete((result, error) -> logFailure(request, error));
    Replies.whenDone(encoding, TextEncoderService::toResponse, responseObserver);
  }

  static EncodeTextResponse toResponse(TextEncoding encoding) {
    EncodeTextResponse.Builder response =
        EncodeTextResponse.newBuilder()
            .setModel(encoding.model())
            .setModelVersion(encoding.modelVersion())
            .setEmbeddings(TensorCodec.encode(encoding.embeddings()))
            .addAllTruncated(encoding.truncated())
            .addAllTokenCounts(encoding.tokenCounts());
    encoding.tokenFeatures().ifPresent(t -> response.setTokenFeatures(TensorCodec.encode(t)));
    encoding.attentionMask().ifPresent(t -> response.setAttentionMask(TensorCodec.encode(t)));
    return response.build();
  }

  private static void logFailure(EncodeTextRequest request, Throwable error) {
    if (error != null && !request.getRequestId().isEmpty()) {
      log.debug("EncodeText request_id={} failed: {}", request.getRequestId(), error.toString());
    }
  }
}
