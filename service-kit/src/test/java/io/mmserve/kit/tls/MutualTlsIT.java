package io.mmserve.kit.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.kit.client.GrpcChannels;
import io.mmserve.kit.server.ConnectionLimits;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS on a real Netty gRPC server on loopback, with certificates made in the test:
 * who is served, who is refused (and what the client sees, and the server's one line about it), and
 * certificates replaced on disk while calls run.
 *
 * <p>Outcomes that the transport times (handshakes, file polls) are awaited by polling with a
 * generous bound; nothing sleeps.
 */
class MutualTlsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration REFRESH = Duration.ofMillis(200);
  private static final int MAX_MESSAGE = 1 << 20;
  private static final ServerConfig CONFIG =
      new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, MAX_MESSAGE, Duration.ofSeconds(5));

  @TempDir Path dir;

  private final Clock clock = Clock.fixed(Instant.now(), ZoneOffset.UTC);
  private final BlockingQueue<String> refusals = new LinkedBlockingQueue<>();
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private TestPki pki;
  private TestPki.Identity client;
  private Path serverCert;
  private Path serverKey;
  private GrpcServer server;

  @BeforeEach
  void makeCertificates() throws IOException {
    pki = new TestPki(dir, clock, "test");
    client = pki.issue("client", List.of());
    serverCert = dir.resolve("live/tls.crt");
    serverKey = dir.resolve("live/tls.key");
    publishServerIdentity(pki.ca.issue("server", TestPki.LOOPBACK, TestPki.VALIDITY), "gen1");
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.stop();
    }
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    poller.shutdownNow();
  }

  @Test
  void mutualTls_servesAClientWithACertificateOfItsCa() throws Exception {
    startServer(true, ConnectionLimits.standard());

    assertEquals("hello", echo(channel(clientSettings(client)), "hello"));
    assertNull(refusals.poll(), "a trusted client was reported as refused");
  }

  @Test
  void mutualTls_refusesAClientWithoutACertificate_unauthenticatedAndOneLine() throws Exception {
    startServer(true, ConnectionLimits.standard());
    ManagedChannel channel = channel(ClientTlsSettings.trusting(pki.caFile, REFRESH));

    Status status = refused(channel);
    Status again = refused(channel);

    assertEquals(Status.Code.UNAUTHENTICATED, status.getCode());
    assertEquals(
        ClientCertificateRequirement.CERTIFICATE_REQUIRED.getDescription(),
        status.getDescription());
    assertEquals(Status.Code.UNAUTHENTICATED, again.getCode());
    String line = refusals.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertNotNull(line, "no refusal was reported");
    assertTrue(line.startsWith("TLS client /127.0.0.1:"), line);
    assertTrue(
        line.endsWith(
            " refused: no client certificate (a certificate issued by a CA in tls.client-ca-file "
                + pki.caFile
                + " is required); its calls get UNAUTHENTICATED"),
        line);
    assertNull(refusals.poll(), "one connection is reported once, not per call");
  }

  @Test
  void mutualTls_refusesACertificateOfAnotherCa_unavailableAndOneLine() throws Exception {
    startServer(true, ConnectionLimits.standard());
    TestPki other = new TestPki(Files.createDirectories(dir.resolve("other")), clock, "other");
    TestPki.Identity intruder = other.issue("intruder", List.of());

    Status status = refused(channel(clientSettings(intruder)));

    assertEquals(Status.Code.UNAVAILABLE, status.getCode());
    assertEquals(
        "TLS client refused: certificate CN=intruder (serial "
            + serial(intruder)
            + ", issuer CN=other) is not issued by a CA in tls.client-ca-file "
            + pki.caFile
            + "; the handshake fails",
        refusals.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
  }

  @Test
  void mutualTls_refusesAnExpiredCertificate_unavailableAndOneLine() throws Exception {
    startServer(true, ConnectionLimits.standard());
    TestPki.Identity expired = pki.issueExpired("expired");

    Status status = refused(channel(clientSettings(expired)));

    assertEquals(Status.Code.UNAVAILABLE, status.getCode());
    X509Certificate certificate = expired.issued().certificate();
    assertEquals(
        "TLS client refused: certificate CN=expired (serial "
            + serial(expired)
            + ", issuer CN=test) expired on "
            + certificate.getNotAfter().toInstant()
            + "; the handshake fails",
        refusals.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
  }

  @Test
  void client_refusesAServerCertificateForAnotherHostName_unavailable() throws Exception {
    publishServerIdentity(
        pki.ca.issue("server", List.of("elsewhere.example"), TestPki.VALIDITY), "gen2");
    startServer(true, ConnectionLimits.standard());

    StatusRuntimeException e = refusedCall(channel(clientSettings(client)));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(causes(e).contains("localhost"), "the reason names the host: " + causes(e));
  }

  @Test
  void tlsServer_refusesAPlaintextClient_unavailable() throws Exception {
    startServer(false, ConnectionLimits.standard());
    ManagedChannel plaintext =
        GrpcChannels.channel(
            "localhost:" + server.port(), MAX_MESSAGE, InsecureChannelCredentials.create());
    channels.add(plaintext);

    assertEquals(Status.Code.UNAVAILABLE, refused(plaintext).getCode());
  }

  @Test
  void tlsServer_withoutClientCa_servesAClientWithoutACertificate() throws Exception {
    startServer(false, ConnectionLimits.standard());

    assertEquals("hi", echo(channel(ClientTlsSettings.trusting(pki.caFile, REFRESH)), "hi"));
  }

  @Test
  void tlsConnectionThatSendsNothing_isClosedAtTheHandshakeTimeout() throws Exception {
    ConnectionLimits standard = ConnectionLimits.standard();
    startServer(
        true,
        new ConnectionLimits(
            standard.maxConcurrentCallsPerConnection(),
            standard.maxConnectionAge(),
            standard.maxConnectionAgeGrace(),
            Duration.ofHours(1), // idle: not what closes it
            standard.permitKeepAliveTime(),
            false,
            standard.maxHeaderListBytes(),
            Duration.ofSeconds(2),
            standard.maxStreamResets(),
            standard.streamResetWindow()));
    ManagedChannel caller = channel(clientSettings(client));
    awaitServed(caller); // a cold JVM's first handshake may itself outlast the short timeout

    try (Socket silent = new Socket("127.0.0.1", server.port())) {
      silent.setSoTimeout((int) WAIT.toMillis());
      assertTrue(closedByPeer(silent.getInputStream()), "the silent connection was not closed");
    }
    assertEquals("still", echo(caller, "still"));
  }

  @Test
  void rotation_newConnectionsGetTheNewCertificate_andACallInFlightCompletes() throws Exception {
    startServer(true, ConnectionLimits.standard());
    ManagedChannel before = channel(clientSettings(client));
    BigInteger first = serverSerial(before);
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    StreamObserver<SimpleRequest> stream =
        SimpleServiceGrpc.newStub(before)
            .withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
            .bidiStreamingRpc(collectInto(answers));
    stream.onNext(request("before"));
    assertEquals("before", answers.poll(WAIT.toSeconds(), TimeUnit.SECONDS));

    CertificateAuthority.Issued rotated =
        pki.ca.issue("server", TestPki.LOOPBACK, TestPki.VALIDITY);
    publishServerIdentity(rotated, "gen2");
    BigInteger expected = rotated.certificate().getSerialNumber();
    assertEquals(
        expected, awaitNewConnectionSerial(expected), "new connections kept the old certificate");

    stream.onNext(request("after"));
    assertEquals("after", answers.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
    stream.onCompleted();
    assertEquals(
        Boolean.TRUE, answers.poll(WAIT.toSeconds(), TimeUnit.SECONDS), "the stream failed");
    assertEquals(first, serverSerial(before), "the established connection was replaced");
  }

  /**
   * Publishes a server certificate the way Kubernetes updates a Secret volume: the files live in a
   * generation folder, and one atomic rename of the {@code live} link swaps both at once.
   */
  private void publishServerIdentity(CertificateAuthority.Issued identity, String generation)
      throws IOException {
    Path folder = Files.createDirectories(dir.resolve(generation));
    identity.writeTo(folder.resolve("tls.crt"), folder.resolve("tls.key"));
    Path link = dir.resolve("live.next");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, folder.getFileName());
    Files.move(
        link,
        dir.resolve("live"),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  private void startServer(boolean mutual, ConnectionLimits limits) throws Exception {
    ServerTlsSettings settings =
        new ServerTlsSettings(
            serverCert, serverKey, mutual ? Optional.of(pki.caFile) : Optional.empty(), REFRESH);
    ServerTls tls = ServerTls.start(settings, poller, refusals::add);
    closeables.add(tls);
    ServerBuilder<?> builder = GrpcServer.nettyBuilder(CONFIG, limits, tls.credentials());
    tls.applyTo(builder);
    server =
        new GrpcServer(
                builder, List.of(new StreamingEchoService()), CONFIG, new SimpleMeterRegistry())
            .start();
  }

  private ClientTlsSettings clientSettings(TestPki.Identity identity) {
    return ClientTlsSettings.trusting(pki.caFile, REFRESH)
        .withIdentity(identity.certFile(), identity.keyFile());
  }

  private ManagedChannel channel(ClientTlsSettings settings) throws Exception {
    ClientTls tls = ClientTls.start(settings, "test.tls", poller);
    closeables.add(tls);
    ManagedChannel channel =
        GrpcChannels.channel("localhost:" + server.port(), MAX_MESSAGE, tls.credentials());
    channels.add(channel);
    return channel;
  }

  private static void awaitServed(ManagedChannel channel) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        echo(channel, "warm-up");
        return;
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  private BigInteger awaitNewConnectionSerial(BigInteger expected) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    BigInteger seen;
    do {
      ManagedChannel fresh = channel(clientSettings(client));
      seen = serverSerial(fresh);
      fresh.shutdownNow();
    } while (!seen.equals(expected) && System.nanoTime() < deadline);
    return seen;
  }

  private static String echo(Channel channel, String text) {
    return SimpleServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .unaryRpc(request(text))
        .getResponseMessage();
  }

  private static Status refused(Channel channel) {
    return refusedCall(channel).getStatus();
  }

  private static StatusRuntimeException refusedCall(Channel channel) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> echo(channel, "let me in"));
    assertTrue(e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED, "the refusal hung: " + e);
    return e;
  }

  /** The serial of the certificate the server presented on the connection a call ran on. */
  private static BigInteger serverSerial(Channel channel) throws Exception {
    AtomicReference<Attributes> attributes = new AtomicReference<>();
    ClientInterceptor capture =
        new ClientInterceptor() {
          @Override
          public <Q, A> ClientCall<Q, A> interceptCall(
              MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(
                next.newCall(method, options)) {
              @Override
              public void start(Listener<A> listener, Metadata headers) {
                ClientCall<Q, A> call = this;
                super.start(
                    new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
                        listener) {
                      @Override
                      public void onHeaders(Metadata received) {
                        attributes.set(call.getAttributes());
                        super.onHeaders(received);
                      }
                    },
                    headers);
              }
            };
          }
        };
    echo(ClientInterceptors.intercept(channel, capture), "serial");
    SSLSession session = attributes.get().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    return ((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber();
  }

  private static StreamObserver<SimpleResponse> collectInto(BlockingQueue<Object> answers) {
    return new StreamObserver<>() {
      @Override
      public void onNext(SimpleResponse response) {
        answers.add(response.getResponseMessage());
      }

      @Override
      public void onError(Throwable t) {
        answers.add(t);
      }

      @Override
      public void onCompleted() {
        answers.add(Boolean.TRUE);
      }
    };
  }

  private static boolean closedByPeer(InputStream in) throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketException e) {
      return true; // reset by the server
    }
  }

  private static SimpleRequest request(String text) {
    return SimpleRequest.newBuilder().setRequestMessage(text).build();
  }

  private static String serial(TestPki.Identity identity) {
    return identity.issued().certificate().getSerialNumber().toString(16);
  }

  private static String causes(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t).append(" | ");
    }
    return all.toString();
  }
}
