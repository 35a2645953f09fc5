package io.mmserve.triton;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.tls.ClientTls;
import io.mmserve.kit.tls.ClientTlsSettings;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How an encoder's channel to Triton is secured, from the {@code triton.tls.*} settings: plaintext
 * (the default), TLS trusting {@code triton.tls.ca-file} (Triton's certificate must chain to it and
 * name the host of {@code triton.target}), or mutual TLS presenting {@code triton.tls.cert-file}
 * and {@code triton.tls.key-file} (Triton started with {@code --grpc-use-ssl-mutual=true}). The
 * files are read again every {@code tls.refresh-interval} on the daemon thread {@value
 * #POLL_THREAD} and new connections use what changed ({@link ClientTls}).
 *
 * <p>The {@link TritonBackend} connected with it owns it and closes it after its channel.
 */
public final class TritonTls implements AutoCloseable {
  /** The settings' prefix: {@code triton.tls.ca-file}, {@code .cert-file}, {@code .key-file}. */
  public static final String PREFIX = "triton.tls";

  static final String POLL_THREAD = "triton-tls-reload";

  private final Optional<ClientTlsSettings> settings;
  private final ChannelCredentials credentials;
  private final AutoCloseable poll;

  private TritonTls(
      Optional<ClientTlsSettings> settings, ChannelCredentials credentials, AutoCloseable poll) {
    this.settings = settings;
    this.credentials = credentials;
    this.poll = poll;
  }

  /** The {@code triton.tls.*} settings, unset (plaintext). */
  public static Map<String, String> defaultSettings() {
    return ClientTlsSettings.defaults(PREFIX);
  }

  /**
   * Reads and checks the {@code triton.tls.*} settings; empty when TLS to Triton is off.
   *
   * @throws io.mmserve.kit.config.ConfigException naming the setting and the file
   */
  public static Optional<ClientTlsSettings> settings(Config config) {
    return ClientTlsSettings.from(config, PREFIX);
  }

  /** No TLS. */
  public static TritonTls plaintext() {
    return new TritonTls(Optional.empty(), InsecureChannelCredentials.create(), () -> {});
  }

  /**
   * Plaintext when {@code settings} is empty, else loads the files and starts polling them.
   *
   * @throws io.mmserve.kit.config.ConfigException naming the setting and the file if one cannot be
   *     read or parsed, or the key is not the certificate's
   */
  public static TritonTls start(Optional<ClientTlsSettings> settings) {
    if (settings.isEmpty()) {
      return plaintext();
    }
    ScheduledExecutorService poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, POLL_THREAD);
              t.setDaemon(true);
              return t;
            });
    try {
      ClientTls tls = ClientTls.start(settings.get(), PREFIX, poller);
      return new TritonTls(
          settings,
          tls.credentials(),
          () -> {
            tls.close();
            poller.shutdownNow();
          });
    } catch (RuntimeException e) {
      poller.shutdownNow();
      throw e;
    }
  }

  /** What the channel to Triton is made with. */
  public ChannelCredentials credentials() {
    return credentials;
  }

  /** True when the channel uses TLS. */
  public boolean enabled() {
    return settings.isPresent();
  }

  /** For logs and messages: "plaintext", or the files in use. */
  public String describe() {
    return settings
        .map(
            s ->
                "TLS (CAs "
                    + s.caFile()
                    + s.certFile()
                        .map(cert -> "; mutual, client certificate " + cert)
                        .orElse("; no client certificate")
                    + ")")
        .orElse("plaintext");
  }

  /** Stops polling the files; channels made before keep the material applied last. */
  @Override
  public void close() {
    try {
      poll.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the TLS file poll", e);
    }
  }
}
