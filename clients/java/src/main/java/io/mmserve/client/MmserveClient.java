package io.mmserve.client;

import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
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
import io.mmserve.api.v1.ListCollectionsRequest;
import io.mmserve.api.v1.ListCollectionsResponse;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MatchResponse;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.MultimodalGrpc.MultimodalBlockingStub;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.RankResponse;
import io.mmserve.api.v1.ScoreRequest;
import io.mmserve.api.v1.ScoreResponse;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.SearchResponse;
import io.mmserve.api.v1.UpsertRequest;
import io.mmserve.api.v1.UpsertResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The mmserve gateway's public API ({@code mmserve.v1.Multimodal}) as blocking calls that take and
 * return the generated messages, each with this client's deadline and headers; every failure is a
 * {@link MmserveException} (code, description, field violations).
 *
 * <p>Immutable and thread-safe. {@link #withTimeout} and {@link #withHeader} return clients over
 * the same channel. {@link #close} shuts down a channel that {@link #connect} made (whichever of
 * the clients derived from it is closed); a client {@link #over} a caller's channel leaves it open.
 *
 * <pre>{@code
 * try (MmserveClient client = MmserveClient.connect("127.0.0.1:50051")) {
 *   ClassifyResponse answer =
 *       client.classify(List.of(Images.file(Path.of("cat.jpg"))), List.of("cat", "dog"));
 * }
 * }</pre>
 */
public final class MmserveClient implements AutoCloseable {
  /** Where {@code ./mmserve up} starts the gateway. */
  public static final String DEFAULT_TARGET = "127.0.0.1:50051";

  /** The deadline of each call unless {@link #withTimeout} says otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /** Answers can be as large as requests (the gateway accepts 64 MiB); grpc-java's default is 4. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

  private static final long CLOSE_GRACE_SECONDS = 5;

  private final Channel channel;
  private final ManagedChannel owned;
  private final Duration timeout;
  private final Metadata headers;

  private MmserveClient(Channel channel, ManagedChannel owned, Duration timeout, Metadata headers) {
    this.channel = channel;
    this.owned = owned;
    this.timeout = timeout;
    this.headers = headers;
  }

  /**
   * A client with a plaintext channel of its own to {@code target} ({@code "host:port"} or any gRPC
   * target URI), shut down by {@link #close}.
   *
   * @throws IllegalArgumentException if the target cannot be parsed
   */
  public static MmserveClient connect(String target) {
    ManagedChannel channel =
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
            .build();
    return new MmserveClient(channel, channel, DEFAULT_TIMEOUT, new Metadata());
  }

  /**
   * A client over a channel the caller made (TLS, interceptors, its own resolvers) and keeps
   * owning; set its max inbound message size to {@link #MAX_INBOUND_MESSAGE_BYTES}.
   */
  public static MmserveClient over(Channel channel) {
    return new MmserveClient(channel, null, DEFAULT_TIMEOUT, new Metadata());
  }

  /**
   * The same client with another deadline for each call.
   *
   * @throws IllegalArgumentException if {@code timeout} is not positive
   */
  public MmserveClient withTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
    }
    return new MmserveClient(channel, owned, timeout, headers);
  }

  /** The same client sending one more header with each call ({@code authorization}, ...). */
  public MmserveClient withHeader(String name, String value) {
    Metadata more = new Metadata();
    more.merge(headers);
    more.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
    return new MmserveClient(channel, owned, timeout, more);
  }

  /** The deadline of each call. */
  public Duration timeout() {
    return timeout;
  }

  /** Embeds texts. */
  public EmbedTextResponse embedText(EmbedTextRequest request) {
    return call("EmbedText", MultimodalBlockingStub::embedText, request);
  }

  /** Embeds images. */
  public EmbedImageResponse embedImage(EmbedImageRequest request) {
    return call("EmbedImage", MultimodalBlockingStub::embedImage, request);
  }

  /** Zero-shot classifies images over labels. */
  public ClassifyResponse classify(ClassifyRequest request) {
    return call("Classify", MultimodalBlockingStub::classify, request);
  }

  /** Orders candidates by similarity to a query, optionally reranking the best by match. */
  public RankResponse rank(RankRequest request) {
    return call("Rank", MultimodalBlockingStub::rank, request);
  }

  /** The match probability of image-text pairs. */
  public MatchResponse match(MatchRequest request) {
    return call("Match", MultimodalBlockingStub::match, request);
  }

  /** The logit matrices between images and texts. */
  public ScoreResponse score(ScoreRequest request) {
    return call("Score", MultimodalBlockingStub::score, request);
  }

  /** Adds or replaces items of a gallery collection. */
  public UpsertResponse upsert(UpsertRequest request) {
    return call("Upsert", MultimodalBlockingStub::upsert, request);
  }

  /** The items of a gallery collection nearest to a query. */
  public SearchResponse search(SearchRequest request) {
    return call("Search", MultimodalBlockingStub::search, request);
  }

  /** Removes items of a gallery collection, or the whole collection. */
  public DeleteResponse delete(DeleteRequest request) {
    return call("Delete", MultimodalBlockingStub::delete, request);
  }

  /** The gallery's collections. */
  public ListCollectionsResponse listCollections(ListCollectionsRequest request) {
    return call("ListCollections", MultimodalBlockingStub::listCollections, request);
  }

  /** The default model's L2-normalised embeddings of {@code texts}, one row per text. */
  public float[][] embedTexts(List<String> texts) {
    return vectors(
        embedText(EmbedTextRequest.newBuilder().addAllTexts(texts).build()).getEmbeddingsList());
  }

  /** The default model's L2-normalised embeddings of {@code images}, one row per image. */
  public float[][] embedImages(List<Image> images) {
    return vectors(
        embedImage(EmbedImageRequest.newBuilder().addAllImages(images).build())
            .getEmbeddingsList());
  }

  /** Classifies {@code images} over {@code labels} with the default model and prompt. */
  public ClassifyResponse classify(List<Image> images, List<String> labels) {
    return classify(ClassifyRequest.newBuilder().addAllImages(images).addAllLabels(labels).build());
  }

  /**
   * Shuts down the channel {@link #connect} made, letting calls still running finish for a few
   * seconds; does nothing for a client {@link #over} a caller's channel. Restores the interrupt
   * flag if interrupted while waiting.
   */
  @Override
  public void close() {
    if (owned == null) {
      return;
    }
    owned.shutdown();
    try {
      if (!owned.awaitTermination(CLOSE_GRACE_SECONDS, TimeUnit.SECONDS)) {
        owned.shutdownNow();
      }
    } catch (InterruptedException e) {
      owned.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private <Q, R> R call(String method, BiFunction<MultimodalBlockingStub, Q, R> rpc, Q request) {
    MultimodalBlockingStub stub =
        MultimodalGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
    try {
      return rpc.apply(stub, request);
    } catch (StatusRuntimeException e) {
      throw MmserveException.of(method, e);
    }
  }

  private static float[][] vectors(List<Embedding> embeddings) {
    float[][] rows = new float[embeddings.size()][];
    for (int i = 0; i < rows.length; i++) {
      List<Float> values = embeddings.get(i).getValuesList();
      rows[i] = new float[values.size()];
      for (int j = 0; j < rows[i].length; j++) {
        rows[i][j] = values.get(j);
      }
    }
    return rows;
  }
}
