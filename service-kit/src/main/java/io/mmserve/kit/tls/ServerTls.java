package io.mmserve.kit.tls;

import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of one gRPC server, reloaded from its files: the certificate and key, and the client CAs,
 * go into grpc-java's {@link io.grpc.util.AdvancedTlsX509KeyManager} and {@link
 * io.grpc.util.AdvancedTlsX509TrustManager}; a {@link FilePoll} reads the files every {@link
 * ServerTlsSettings#refreshInterval()} on the given scheduler and swaps in what changed. A new
 * handshake uses the material applied last; established connections, and the calls on them, keep
 * going on the material they were made with. Files that fail to read, parse or fit together keep
 * the material applied before (one warning per bad version).
 *
 * <p>With a client CA (mutual TLS) every client is asked for a certificate: an untrusted one
 * (another CA, expired, not yet valid) fails the handshake and is reported in one line; none at all
 * is reported once per connection and each call is refused with UNAUTHENTICATED ({@link
 * ClientCertificateRequirement}).
 *
 * <p>The caller owns the scheduler; {@link #close()} stops this server's poll only.
 */
public final class ServerTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  private final ServerTlsSettings settings;
  private final ServerCredentials credentials;
  private final ClientCertificateRequirement requirement;
  private final FilePoll poll;

  private ServerTls(
      ServerTlsSettings settings,
      ServerCredentials credentials,
      ClientCertificateRequirement requirement,
      FilePoll poll) {
    this.settings = settings;
    this.credentials = credentials;
    this.requirement = requirement;
    this.poll = poll;
  }

  /** As {@link #start(ServerTlsSettings, ScheduledExecutorService, Consumer)}, refusals to WARN. */
  public static ServerTls start(ServerTlsSettings settings, ScheduledExecutorService poller) {
    return start(settings, poller, log::warn);
  }

  /**
   * Loads the files and starts polling them.
   *
   * @param poller runs the polls; owned by the caller
   * @param refusals gets one line per refused client (on a transport thread; must not block)
   * @throws io.mmserve.kit.config.ConfigException naming the setting and the file if one cannot be
   *     read or parsed, or the key is not the certificate's
   */
  public static ServerTls start(
      ServerTlsSettings settings, ScheduledExecutorService poller, Consumer<String> refusals) {
    List<WatchedFiles> watched = new ArrayList<>();
    IdentityFiles identity =
        new IdentityFiles(
            ServerTlsSettings.CERT_FILE,
            settings.certFile(),
            ServerTlsSettings.KEY_FILE,
            settings.keyFile());
    watched.add(identity);
    TlsServerCredentials.Builder builder =
        TlsServerCredentials.newBuilder().keyManager(identity.keyManager());
    ClientCertificateRequirement requirement = null;
    if (settings.mutual()) {
      String trusted =
          ServerTlsSettings.CLIENT_CA_FILE + " " + settings.clientCaFile().orElseThrow();
      TrustFiles trust =
          new TrustFiles(
              ServerTlsSettings.CLIENT_CA_FILE,
              settings.clientCaFile().orElseThrow(),
              Verification.CERTIFICATE_ONLY_VERIFICATION); // a client's name is no host name
      watched.add(trust);
      builder
          .trustManager(new RefusalLoggingTrustManager(trust.trustManager(), trusted, refusals))
          .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL); // none: refused per call
      requirement = new ClientCertificateRequirement(trusted, refusals);
    }
    FilePoll poll = new FilePoll(watched, settings.refreshInterval(), poller);
    return new ServerTls(settings, builder.build(), requirement, poll);
  }

  /** What the Netty server builder is made with. */
  public ServerCredentials credentials() {
    return credentials;
  }

  /**
   * Adds the client certificate requirement (mutual TLS only) to {@code builder}: its transport
   * filter and an interceptor, which runs before the interceptors added before it.
   */
  public void applyTo(ServerBuilder<?> builder) {
    if (requirement != null) {
      builder.addTransportFilter(requirement.transportFilter());
      builder.intercept(requirement.interceptor());
    }
  }

  /**
   * Reads the files now and applies what changed, as the poll does (tests).
   *
   * @return true if new material is in use
   */
  boolean reloadIfChanged() {
    return poll.reloadIfChanged();
  }

  /** One line for the start-up log. */
  public String describe() {
    String mutual =
        settings
            .clientCaFile()
            .map(ca -> "mutual, client certificates issued by the CAs in " + ca)
            .orElse("server certificate only");
    return "TLS on ("
        + mutual
        + "; certificate "
        + settings.certFile()
        + "; files checked every "
        + settings.refreshInterval()
        + ")";
  }

  /** Stops polling the files. The credentials keep the material applied last. */
  @Override
  public void close() {
    poll.close();
  }
}
