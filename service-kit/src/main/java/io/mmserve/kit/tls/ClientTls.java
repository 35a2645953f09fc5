package io.mmserve.kit.tls;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The TLS of a service's channels to another service, reloaded from its files as {@link ServerTls}
 * is: a new connection uses the CAs and certificate applied last, established ones keep going. The
 * server's certificate must chain to the CAs and name the host the channel connects to (the
 * target's authority, such as {@code localhost} of {@code localhost:50052}); a refusal fails the
 * connection, so its calls get UNAVAILABLE with the reason in the status's cause.
 *
 * <p>The caller owns the scheduler; {@link #close()} stops this poll only. Channels made with
 * {@link #credentials()} belong to whoever built them.
 */
public final class ClientTls implements AutoCloseable {
  private final ChannelCredentials credentials;
  private final FilePoll poll;

  private ClientTls(ChannelCredentials credentials, FilePoll poll) {
    this.credentials = credentials;
    this.poll = poll;
  }

  /**
   * Loads the files and starts polling them every {@link ClientTlsSettings#refreshInterval()} on
   * {@code poller} (owned by the caller).
   *
   * @param prefix the settings' prefix, in messages ({@code backend.tls})
   * @throws io.mmserve.kit.config.ConfigException naming the setting and the file if one cannot be
   *     read or parsed, or the key is not the certificate's
   */
  public static ClientTls start(
      ClientTlsSettings settings, String prefix, ScheduledExecutorService poller) {
    List<WatchedFiles> watched = new ArrayList<>();
    TrustFiles trust =
        new TrustFiles(
            ClientTlsSettings.caFileKey(prefix),
            settings.caFile(),
            Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION);
    watched.add(trust);
    TlsChannelCredentials.Builder builder =
        TlsChannelCredentials.newBuilder().trustManager(trust.trustManager());
    if (settings.certFile().isPresent()) {
      IdentityFiles identity =
          new IdentityFiles(
              ClientTlsSettings.certFileKey(prefix),
              settings.certFile().orElseThrow(),
              ClientTlsSettings.keyFileKey(prefix),
              settings.keyFile().orElseThrow());
      watched.add(identity);
      builder.keyManager(identity.keyManager());
    }
    return new ClientTls(
        builder.build(), new FilePoll(watched, settings.refreshInterval(), poller));
  }

  /** What channels to the server are made with. */
  public ChannelCredentials credentials() {
    return credentials;
  }

  /** Stops polling the files. The credentials keep the material applied last. */
  @Override
  public void close() {
    poll.close();
  }
}
