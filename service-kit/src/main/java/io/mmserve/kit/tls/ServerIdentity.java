package io.mmserve.kit.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The certificate and key of {@code tls.cert-file} and {@code tls.key-file}, reloaded as {@link
 * ServerTls} reloads them (same checks, same log lines), for a server that is not grpc-java's: the
 * gateway's HTTP port (Armeria) asks {@link #current()} at each new connection. A pair that fails
 * to read, parse or fit together keeps the material applied before.
 *
 * <p>The caller owns the scheduler; {@link #close()} stops this poll only.
 */
public final class ServerIdentity implements AutoCloseable {
  private final IdentityFiles files;
  private final FilePoll poll;

  /**
   * A certificate chain (leaf first) and its private key, as applied together; compared by
   * identity: a new instance means new material.
   */
  public record Material(List<X509Certificate> chain, PrivateKey key) {
    public Material {
      chain = List.copyOf(chain);
      Objects.requireNonNull(key, "key");
    }
  }

  private ServerIdentity(IdentityFiles files, FilePoll poll) {
    this.files = files;
    this.poll = poll;
  }

  /**
   * Loads the certificate and key of {@code settings} and polls them every {@link
   * ServerTlsSettings#refreshInterval()} on {@code poller} (owned by the caller). The client CA
   * file of the settings is not used.
   *
   * @throws io.mmserve.kit.config.ConfigException naming the setting and the file if one cannot be
   *     read or parsed, or the key is not the certificate's
   */
  public static ServerIdentity start(ServerTlsSettings settings, ScheduledExecutorService poller) {
    IdentityFiles files =
        new IdentityFiles(
            ServerTlsSettings.CERT_FILE,
            settings.certFile(),
            ServerTlsSettings.KEY_FILE,
            settings.keyFile());
    return new ServerIdentity(
        files, new FilePoll(List.of(files), settings.refreshInterval(), poller));
  }

  /** The material applied last; safe from any thread. */
  public Material current() {
    return files.current();
  }

  /**
   * Reads the files now and applies what changed, as the poll does (tests).
   *
   * @return true if new material is in use
   */
  public boolean reloadIfChanged() {
    return poll.reloadIfChanged();
  }

  /** Stops polling the files; {@link #current()} keeps the material applied last. */
  @Override
  public void close() {
    poll.close();
  }
}
