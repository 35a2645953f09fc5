package io.mmserve.kubernetes;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ImageList;
import io.mmserve.api.v1.ImageTextPair;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.testsupport.ShapePictures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady load on a real gateway for a rollout drill: a few threads ({@code drill-load-N}), each
 * calling in a closed loop, every call recorded with when it was sent and answered, the status and
 * the {@code model_version} its response reported. No call names a model, so each one is routed by
 * the gateway's split of its default model. Texts carry a running number, so no answer comes from
 * the gateway's label cache: every text of a call is encoded for that call. {@link #close} stops
 * the threads and waits for their last calls.
 */
final class DrillLoad implements AutoCloseable {
  static final Metadata.Key<String> ROUTE_KEY =
      Metadata.Key.of("mmserve-route-key", Metadata.ASCII_STRING_MARSHALLER);

  private static final long DEADLINE_SECONDS = 30;

  /** What the threads send. */
  enum Kind {
    /** EmbedText three times, then Classify, Rank or Match in turn (several encoder calls each). */
    MIXED,
    /** EmbedText only, each call with a new routing key ({@code caller-N}). */
    KEYED_EMBED_TEXT
  }

  /**
   * One answered call.
   *
   * @param routeKey the routing key sent, or "" for none
   * @param version the response's model_version, or "" when it failed
   * @param texts the texts the call had encoded
   * @param images the images the call had encoded
   */
  record Call(
      Instant sent,
      Instant done,
      String method,
      String routeKey,
      Status.Code code,
      String version,
      int texts,
      int images) {
    boolean ok() {
      return code == Status.Code.OK;
    }
  }

  private final Channel channel;
  private final Kind kind;
  private final List<Image> images;
  private final AtomicLong counter = new AtomicLong();
  private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopped;

  /** Starts {@code threadCount} threads calling through {@code channel}. */
  DrillLoad(Channel channel, int threadCount, Kind kind) {
    this.channel = channel;
    this.kind = kind;
    this.images = List.of(image("red", "circle"), image("blue", "square"), image("green", "star"));
    for (int i = 0; i < threadCount; i++) {
      Thread thread = new Thread(this::run, "drill-load-" + (i + 1));
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  private static Image image(String colour, String shape) {
    return Image.newBuilder()
        .setEncoded(ByteString.copyFrom(ShapePictures.png(colour, shape)))
        .build();
  }

  /** Every call answered so far. */
  List<Call> calls() {
    return List.copyOf(calls);
  }

  private void run() {
    while (!stopped) {
      long n = counter.incrementAndGet();
      String method = kind == Kind.KEYED_EMBED_TEXT ? "EmbedText" : mixedMethod(n);
      String key = kind == Kind.KEYED_EMBED_TEXT ? "caller-" + n : "";
      Instant sent = Instant.now();
      String version = "";
      Status.Code code = Status.Code.OK;
      try {
        version = call(stub(key), method, n);
      } catch (StatusRuntimeException e) {
        code = e.getStatus().getCode();
      }
      int texts =
          switch (method) {
            case "Classify", "Match" -> 3;
            default -> 1;
          };
      int imageCount = method.equals("EmbedText") ? 0 : images.size();
      calls.add(new Call(sent, Instant.now(), method, key, code, version, texts, imageCount));
    }
  }

  private static String mixedMethod(long n) {
    return switch ((int) (n % 6)) {
      case 3 -> "Classify";
      case 4 -> "Rank";
      case 5 -> "Match";
      default -> "EmbedText";
    };
  }

  private MultimodalGrpc.MultimodalBlockingStub stub(String key) {
    MultimodalGrpc.MultimodalBlockingStub stub =
        MultimodalGrpc.newBlockingStub(channel)
            .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    if (key.isEmpty()) {
      return stub;
    }
    Metadata headers = new Metadata();
    headers.put(ROUTE_KEY, key);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Calls {@code method}; returns the model_version its response reported. */
  private String call(MultimodalGrpc.MultimodalBlockingStub stub, String method, long n) {
    List<String> labels = List.of("red circle " + n, "blue square " + n, "green star " + n);
    return switch (method) {
      case "Classify" ->
          stub.classify(
                  ClassifyRequest.newBuilder().addAllImages(images).addAllLabels(labels).build())
              .getModelVersion();
      case "Rank" ->
          stub.rank(
                  RankRequest.newBuilder()
                      .setQueryText("a red circle " + n)
                      .setCandidateImages(ImageList.newBuilder().addAllImages(images))
                      .setRerankTopK(2)
                      .build())
              .getModelVersion();
      case "Match" -> {
        MatchRequest.Builder request = MatchRequest.newBuilder();
        for (int i = 0; i < images.size(); i++) {
          request.addPairs(
              ImageTextPair.newBuilder().setImage(images.get(i)).setText(labels.get(i)));
        }
        yield stub.match(request.build()).getModelVersion();
      }
      default ->
          stub.embedText(EmbedTextRequest.newBuilder().addTexts("a red circle " + n).build())
              .getModelVersion();
    };
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS + 10));
    }
  }
}
