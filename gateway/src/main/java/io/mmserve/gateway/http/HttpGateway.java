package io.mmserve.gateway.http;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.kit.server.Transport;
import io.mmserve.kit.tls.ServerIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The gateway's HTTP port: the same {@code mmserve.v1.Multimodal} service object the gRPC server
 * serves, transcoded to HTTP/JSON by Armeria from the proto's {@code google.api.http} options, and
 * the gallery page's static files.
 *
 * <ul>
 *   <li>Routes: those of the proto ({@code POST /v1/texts:embed}, ...), proto3 JSON in and out;
 *       unknown JSON fields are refused (400) as the gRPC path would never see them. The service
 *       runs behind the same interceptors as on the gRPC server (exception mapping, metrics,
 *       request log), on Armeria's blocking-task executor, as grpc-java runs it off its event loop.
 *   <li>Errors: the gRPC status becomes the HTTP status of google.rpc.Code's mapping, with a JSON
 *       body {@code {"code", "grpc-code", "message", "details"}} whose details carry the
 *       google.rpc.BadRequest field violations (Armeria's JSON error handler).
 *   <li>A key over its limits: 429 with {@code Retry-After} ({@link RetryAfterHeader}).
 *   <li>Limits: a request body at most {@link #maxRequestBytes} (413 beyond), a request timeout of
 *       the gateway's default deadline (504 after it; a {@code grpc-timeout} header shortens it).
 *   <li>{@code POST /v1/embeddings}: OpenAI's embeddings API ({@link OpenAiEmbeddings}), a client
 *       of the same service through an in-process channel, behind the same interceptors.
 *   <li>{@code GET /gallery/}: the classpath folder {@value #GALLERY_FOLDER}.
 *   <li>HTTPS only, when {@link HttpSettings#tls()} is set: the certificate of a reloading {@link
 *       ServerIdentity} (the gRPC port's files), a new one for each new connection after a reload.
 * </ul>
 *
 * <p>Owned by the service runner, which starts it after the gRPC server and stops it with it.
 */
public final class HttpGateway implements Transport {
  /** The gallery page's files, on the gateway's classpath. */
  public static final String GALLERY_FOLDER = "web/gallery";

  /** Where the gallery page is served. */
  public static final String GALLERY_PATH = "/gallery/";

  /** Room for the JSON around the base64 of a message at the gRPC size limit. */
  private static final long JSON_OVERHEAD_BYTES = 64 * 1024;

  private final HttpSettings settings;
  private final Server server;
  private final io.grpc.Server inProcess;
  private final ManagedChannel channel;
  private CompletableFuture<Void> stopped;

  /** Plaintext HTTP: as the full constructor without a certificate. */
  public HttpGateway(
      HttpSettings settings,
      BindableService service,
      List<ServerInterceptor> interceptors,
      int maxMessageBytes,
      Duration requestTimeout,
      Duration shutdownGrace) {
    this(
        settings,
        Optional.empty(),
        service,
        interceptors,
        maxMessageBytes,
        requestTimeout,
        shutdownGrace);
  }

  /**
   * Builds the server; nothing listens until {@link #start()}.
   *
   * @param identity the certificate of HTTPS, present exactly when {@code settings.tls()} is; owned
   *     by the caller, who closes it after this transport has stopped
   * @param service the service object the gRPC server also serves
   * @param interceptors the gRPC server's interceptors, in the order it adds them
   * @param maxMessageBytes the gRPC server's largest request message
   * @param requestTimeout how long a request may take (the gateway's default deadline)
   * @param shutdownGrace how long in-flight requests may run on after the stop begins
   */
  public HttpGateway(
      HttpSettings settings,
      Optional<ServerIdentity> identity,
      BindableService service,
      List<ServerInterceptor> interceptors,
      int maxMessageBytes,
      Duration requestTimeout,
      Duration shutdownGrace) {
    if (identity.isPresent() != settings.tls().isPresent()) {
      throw new IllegalArgumentException(
          "a certificate must be given exactly when HTTPS is on (tls.cert-file), but HTTPS is "
              + (settings.tls().isPresent() ? "on" : "off"));
    }
    this.settings = settings;
    List<ServerInterceptor> all = new ArrayList<>(interceptors);
    all.add(new RetryAfterHeader()); // outermost: sees the API key limits' pushback trailer
    interceptors = List.copyOf(all);
    GrpcService grpc =
        GrpcService.builder()
            .addService(service)
            .intercept(interceptors)
            .enableHttpJsonTranscoding(true)
            .jsonMarshallerFactory(
                descriptor ->
                    GrpcJsonMarshaller.builder()
                        .jsonMarshallerCustomizer(json -> json.ignoringUnknownFields(false))
                        .build(descriptor))
            .exceptionHandler(HttpErrors::requestMessage)
            .maxRequestMessageLength(maxMessageBytes)
            .useBlockingTaskExecutor(true)
            .build();
    String name = InProcessServerBuilder.generateName();
    this.inProcess =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .maxInboundMessageSize(maxMessageBytes)
            .addService(ServerInterceptors.intercept(service, interceptors))
            .build();
    this.channel =
        InProcessChannelBuilder.forName(name)
            .directExecutor()
            .maxInboundMessageSize(Integer.MAX_VALUE)
            .build();
    this.server =
        listen(settings, identity)
            .maxRequestLength(maxRequestBytes(maxMessageBytes))
            .errorHandler(HttpErrors.beforeTheService(maxRequestBytes(maxMessageBytes)))
            .requestTimeout(requestTimeout)
            .gracefulShutdownTimeout(Duration.ZERO, shutdownGrace)
            .service(grpc)
            .service(
                OpenAiEmbeddings.PATH,
                new OpenAiEmbeddings(MultimodalGrpc.newFutureStub(channel), requestTimeout))
            .service("/gallery", (ctx, req) -> HttpResponse.ofRedirect(GALLERY_PATH))
            .serviceUnder(
                GALLERY_PATH,
                FileService.builder(HttpGateway.class.getClassLoader(), GALLERY_FOLDER).build())
            .build();
  }

  /** HTTPS with the identity's certificate, or plaintext HTTP. */
  private static ServerBuilder listen(HttpSettings settings, Optional<ServerIdentity> identity) {
    InetSocketAddress address = new InetSocketAddress(settings.host(), settings.port());
    if (identity.isEmpty()) {
      return Server.builder().http(address);
    }
    return Server.builder().https(address).tlsProvider(new ReloadingTlsProvider(identity.get()));
  }

  /**
   * The largest HTTP request body: a message at the gRPC limit sent as JSON, whose {@code bytes}
   * fields grow by a third in base64, plus room for the rest of the JSON.
   */
  public static long maxRequestBytes(int maxMessageBytes) {
    return (long) maxMessageBytes * 4 / 3 + JSON_OVERHEAD_BYTES;
  }

  @Override
  public void start() {
    try {
      inProcess.start();
    } catch (IOException e) {
      throw new UncheckedIOException("in-process server for " + OpenAiEmbeddings.PATH, e);
    }
    server.start().join();
  }

  /** The port the server listens on (the real one when configured with 0). */
  public int port() {
    return server.activeLocalPort();
  }

  @Override
  public String describe() {
    int port = server.activePorts().isEmpty() ? settings.port() : port();
    return (settings.tls().isPresent() ? "HTTPS" : "HTTP") + " on " + settings.host() + ":" + port;
  }

  @Override
  public synchronized CompletableFuture<Void> beginStop() {
    if (stopped == null) {
      stopped =
          server
              .stop()
              .whenComplete(
                  (done, failed) -> {
                    channel.shutdownNow();
                    inProcess.shutdownNow();
                  });
    }
    return stopped;
  }
}
