package io.mmserve.gateway;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.DeleteRequest;
import io.mmserve.api.v1.DeleteResponse;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedImageResponse;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.Embedding;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MatchResponse;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.RankResponse;
import io.mmserve.api.v1.RawImage;
import io.mmserve.api.v1.ScoreRequest;
import io.mmserve.api.v1.ScoreResponse;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.SearchResponse;
import io.mmserve.api.v1.UpsertRequest;
import io.mmserve.api.v1.UpsertResponse;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import io.mmserve.kit.deadline.Deadlines;
import io.mmserve.kit.errors.StatusMapper;
import io.mmserve.tensor.v1.DataType;
import io.mmserve.tensor.v1.Tensor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The public {@code mmserve.v1.Multimodal} API. EmbedText and EmbedImage check the request at the
 * edge, call the matching encoder service without blocking, and translate its answer; the other
 * calls answer UNIMPLEMENTED until their issue lands.
 *
 * <p>Encoder calls carry the caller's deadline, or {@code defaultDeadline} when the caller set
 * none, and are cancelled with the caller's call. An encoder's error reaches the caller with the
 * encoder's status code and description.
 *
 * <p>The encoder channels are owned by the caller of the constructor, who shuts them down.
 */
public final class MultimodalService extends MultimodalGrpc.MultimodalImplBase {
  private static final String TEXT_ENCODER = "text-encoder-svc";
  private static final String VISION_ENCODER = "vision-encoder-svc";

  static final Status CLASSIFY_NOT_IMPLEMENTED = notYetImplemented("Classify");
  static final Status RANK_NOT_IMPLEMENTED = notYetImplemented("Rank");
  static final Status MATCH_NOT_IMPLEMENTED = notYetImplemented("Match");
  static final Status SCORE_NOT_IMPLEMENTED = notYetImplemented("Score");
  static final Status UPSERT_NOT_IMPLEMENTED = notYetImplemented("Upsert");
  static final Status SEARCH_NOT_IMPLEMENTED = notYetImplemented("Search");
  static final Status DELETE_NOT_IMPLEMENTED = notYetImplemented("Delete");

  private final TextEncoderGrpc.TextEncoderFutureStub textEncoder;
  private final VisionEncoderGrpc.VisionEncoderFutureStub visionEncoder;
  private final RequestLimits limits;
  private final Duration defaultDeadline;

  /**
   * @param textEncoder channel to text-encoder-svc
   * @param visionEncoder channel to vision-encoder-svc
   * @param limits items per request
   * @param defaultDeadline deadline of encoder calls for callers that send none
   */
  public MultimodalService(
      Channel textEncoder, Channel visionEncoder, RequestLimits limits, Duration defaultDeadline) {
    this.textEncoder = TextEncoderGrpc.newFutureStub(textEncoder);
    this.visionEncoder = VisionEncoderGrpc.newFutureStub(visionEncoder);
    this.limits = limits;
    this.defaultDeadline = defaultDeadline;
  }

  @Override
  public void embedText(EmbedTextRequest request, StreamObserver<EmbedTextResponse> out) {
    Deadlines.checkNotExpired();
    limits.checkTextCount(request.getTextsCount());
    EncodeTextRequest encode =
        EncodeTextRequest.newBuilder()
            .setModel(request.getModel())
            .addAllTexts(request.getTextsList())
            .setNormalize(!request.getSkipNormalization())
            .setRequestId(request.getRequestId())
            .build();
    ListenableFuture<EncodeTextResponse> answer =
        textEncoder.withDeadline(encoderDeadline()).encodeText(encode);
    reply(answer, TEXT_ENCODER, response -> toEmbedTextResponse(request, response), out);
  }

  @Override
  public void embedImage(EmbedImageRequest request, StreamObserver<EmbedImageResponse> out) {
    Deadlines.checkNotExpired();
    limits.checkImageCount(request.getImagesCount());
    for (int i = 0; i < request.getImagesCount(); i++) {
      describe(request.getImages(i)).check(i);
    }
    EncodeImageRequest encode =
        EncodeImageRequest.newBuilder()
            .setModel(request.getModel())
            .addAllImages(request.getImagesList())
            .setNormalize(!request.getSkipNormalization())
            .setRequestId(request.getRequestId())
            .build();
    ListenableFuture<EncodeImageResponse> answer =
        visionEncoder.withDeadline(encoderDeadline()).encodeImage(encode);
    reply(answer, VISION_ENCODER, response -> toEmbedImageResponse(request, response), out);
  }

  @Override
  public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> out) {
    out.onError(CLASSIFY_NOT_IMPLEMENTED.asRuntimeException());
  }

  @Override
  public void rank(RankRequest request, StreamObserver<RankResponse> out) {
    out.onError(RANK_NOT_IMPLEMENTED.asRuntimeException());
  }

  @Override
  public void match(MatchRequest request, StreamObserver<MatchResponse> out) {
    out.onError(MATCH_NOT_IMPLEMENTED.asRuntimeException());
  }

  @Override
  public void score(ScoreRequest request, StreamObserver<ScoreResponse> out) {
    out.onError(SCORE_NOT_IMPLEMENTED.asRuntimeException());
  }

  @Override
  public void upsert(UpsertRequest request, StreamObserver<UpsertResponse> out) {
    out.onError(UPSERT_NOT_IMPLEMENTED.asRuntimeException());
  }

  @Override
  public void search(SearchRequest request, StreamObserver<SearchResponse> out) {
    out.onError(SEARCH_NOT_IMPLEMENTED.asRuntimeException());
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
    out.onError(DELETE_NOT_IMPLEMENTED.asRuntimeException());
  }

  private static Status notYetImplemented(String method) {
    return Status.UNIMPLEMENTED.withDescription(
        method
            + " is not implemented yet in this release; it arrives with fusion-svc (see"
            + " docs/api.md)");
  }

  /** The caller's deadline, or the default one counted from now. */
  private Deadline encoderDeadline() {
    Deadline callers = Context.current().getDeadline();
    return callers != null
        ? callers
        : Deadline.after(defaultDeadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  private static <E, R> void reply(
      ListenableFuture<E> answer, String encoder, Function<E, R> translate, StreamObserver<R> out) {
    Futures.addCallback(
        answer,
        new FutureCallback<E>() {
          @Override
          public void onSuccess(E response) {
            R translated;
            try {
              translated = translate.apply(response);
            } catch (RuntimeException e) {
              out.onError(StatusMapper.toStatusException(e));
              return;
            }
            out.onNext(translated);
            out.onCompleted();
          }

          @Override
          public void onFailure(Throwable t) {
            out.onError(encoderFailure(encoder, t));
          }
        },
        MoreExecutors.directExecutor());
  }

  /**
   * An encoder's error as the caller sees it: the encoder's own code and description. A failure
   * that never reached the encoder (no connection) names the encoder instead of grpc's transport
   * message alone.
   */
  static StatusRuntimeException encoderFailure(String encoder, Throwable t) {
    Status status = Status.fromThrowable(t);
    if (status.getCode() == Status.Code.UNKNOWN && status.getCause() == t) {
      // not a status exception at all: a bug, mapped (and logged) as INTERNAL
      return StatusMapper.toStatusException(t);
    }
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
      // grpc attaches a cause only to statuses made on the client side, such as a refused
      // connection; an encoder's own UNAVAILABLE (overload) arrives without one
      return Status.UNAVAILABLE
          .withDescription(encoder + " is unavailable: " + status.getDescription())
          .asRuntimeException();
    }
    return Status.fromCode(status.getCode())
        .withDescription(status.getDescription())
        .asRuntimeException();
  }

  private static EmbedTextResponse toEmbedTextResponse(
      EmbedTextRequest request, EncodeTextResponse response) {
    int n = request.getTextsCount();
    EmbeddingMatrix matrix = embeddings(TEXT_ENCODER, response.getEmbeddings(), n);
    if (response.getTruncatedCount() != n || response.getTokenCountsCount() != n) {
      throw new IllegalStateException(
          TEXT_ENCODER
              + " returned "
              + response.getTruncatedCount()
              + " truncated flags and "
              + response.getTokenCountsCount()
              + " token counts for "
              + n
              + " texts");
    }
    EmbedTextResponse.Builder out =
        EmbedTextResponse.newBuilder()
            .setModel(response.getModel())
            .setModelVersion(response.getModelVersion())
            .setRequestId(request.getRequestId());
    for (int i = 0; i < n; i++) {
      out.addEmbeddings(
          embedding(matrix, i)
              .setTruncated(response.getTruncated(i))
              .setTokenCount(response.getTokenCounts(i)));
    }
    return out.build();
  }

  private static EmbedImageResponse toEmbedImageResponse(
      EmbedImageRequest request, EncodeImageResponse response) {
    int n = request.getImagesCount();
    EmbeddingMatrix matrix = embeddings(VISION_ENCODER, response.getEmbeddings(), n);
    EmbedImageResponse.Builder out =
        EmbedImageResponse.newBuilder()
            .setModel(response.getModel())
            .setModelVersion(response.getModelVersion())
            .setRequestId(request.getRequestId());
    for (int i = 0; i < n; i++) {
      out.addEmbeddings(embedding(matrix, i));
    }
    return out.build();
  }

  private static EmbeddingMatrix embeddings(String encoder, Tensor tensor, int items) {
    if (tensor.getDtype() != DataType.FLOAT32) {
      throw new IllegalStateException(
          encoder + " returned embeddings of dtype " + tensor.getDtype() + ", not FLOAT32");
    }
    List<Long> shape = tensor.getShapeList();
    return EmbeddingMatrix.fromFloat32(
        encoder,
        shape.stream().mapToLong(Long::longValue).toArray(),
        tensor.getData().asReadOnlyByteBuffer(),
        items);
  }

  private static Embedding.Builder embedding(EmbeddingMatrix matrix, int row) {
    Embedding.Builder embedding = Embedding.newBuilder().setIndex(row);
    for (int col = 0; col < matrix.cols(); col++) {
      embedding.addValues(matrix.get(row, col));
    }
    return embedding;
  }

  /** What the edge checks need to know about an image. */
  static ImageInput describe(Image image) {
    return switch (image.getSourceCase()) {
      case ENCODED -> new ImageInput.Encoded(image.getEncoded().size());
      case RAW -> describe(image.getRaw());
      case SOURCE_NOT_SET -> new ImageInput.Missing();
    };
  }

  private static ImageInput describe(RawImage raw) {
    int channels =
        switch (raw.getFormat()) {
          case PIXEL_FORMAT_UNSPECIFIED, RGB8 -> 3;
          case RGBA8 -> 4;
          case GRAY8 -> 1;
          case UNRECOGNIZED -> 0;
        };
    String format =
        switch (raw.getFormat()) {
          case PIXEL_FORMAT_UNSPECIFIED -> "RGB8";
          case UNRECOGNIZED -> Integer.toString(raw.getFormatValue());
          default -> raw.getFormat().name();
        };
    return new ImageInput.Raw(
        Integer.toUnsignedLong(raw.getWidth()),
        Integer.toUnsignedLong(raw.getHeight()),
        channels,
        format,
        raw.getData().size());
  }
}
