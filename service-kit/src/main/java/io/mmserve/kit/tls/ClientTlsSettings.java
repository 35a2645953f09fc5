package io.mmserve.kit.tls;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * TLS of a service's channels to another service, from the settings under one prefix ({@code
 * PREFIX.ca-file}, {@code PREFIX.cert-file}, {@code PREFIX.key-file}; the gateway's prefix is
 * {@code backend.tls}). Off (plaintext) unless the CA file is set. The server's certificate must
 * chain to those CAs and name the host of the channel's target (host name verification is always
 * on). With a certificate and key too, the channel presents them (mutual TLS).
 *
 * @param caFile PEM CA certificates the server's certificate must chain to
 * @param certFile PEM certificate chain the client presents; empty: none
 * @param keyFile PEM PKCS#8 private key of that certificate; present exactly when certFile is
 * @param refreshInterval how often the files are checked for changes and read again ({@value
 *     ServerTlsSettings#REFRESH_INTERVAL}, shared with the server's)
 */
public record ClientTlsSettings(
    Path caFile, Optional<Path> certFile, Optional<Path> keyFile, Duration refreshInterval) {

  /** These settings under {@code prefix}, unset (plaintext). */
  public static Map<String, String> defaults(String prefix) {
    return Map.of(caFileKey(prefix), "", certFileKey(prefix), "", keyFileKey(prefix), "");
  }

  public static String caFileKey(String prefix) {
    return prefix + ".ca-file";
  }

  public static String certFileKey(String prefix) {
    return prefix + ".cert-file";
  }

  public static String keyFileKey(String prefix) {
    return prefix + ".key-file";
  }

  /**
   * Reads the settings under {@code prefix} and checks their files; empty when TLS is off.
   *
   * @throws ConfigException naming the setting and the file, as {@link ServerTlsSettings#from}
   */
  public static Optional<ClientTlsSettings> from(Config config, String prefix) {
    Optional<Path> ca = config.find(caFileKey(prefix)).map(Path::of);
    Optional<Path> cert = config.find(certFileKey(prefix)).map(Path::of);
    Optional<Path> key = config.find(keyFileKey(prefix)).map(Path::of);
    Duration refresh = ServerTlsSettings.refreshInterval(config);
    if (ca.isEmpty()) {
      if (cert.isPresent() || key.isPresent()) {
        throw new ConfigException(
            caFileKey(prefix) + " must be set when a client certificate is, but was empty");
      }
      return Optional.empty();
    }
    PemFiles.certificates(caFileKey(prefix), ca.get());
    if (cert.isPresent() != key.isPresent()) {
      String missing = cert.isEmpty() ? certFileKey(prefix) : keyFileKey(prefix);
      String given = cert.isEmpty() ? keyFileKey(prefix) : certFileKey(prefix);
      throw new ConfigException(missing + " must be set when " + given + " is, but was empty");
    }
    if (cert.isPresent()) {
      ServerTlsSettings.checkIdentity(
          certFileKey(prefix), cert.get(), keyFileKey(prefix), key.get());
    }
    return Optional.of(new ClientTlsSettings(ca.get(), cert, key, refresh));
  }

  /** Trusting the CAs in {@code caFile}, presenting no certificate. */
  public static ClientTlsSettings trusting(Path caFile, Duration refreshInterval) {
    return new ClientTlsSettings(caFile, Optional.empty(), Optional.empty(), refreshInterval);
  }

  /** As this, presenting the certificate in {@code certFile} with its key. */
  public ClientTlsSettings withIdentity(Path certFile, Path keyFile) {
    return new ClientTlsSettings(
        caFile, Optional.of(certFile), Optional.of(keyFile), refreshInterval);
  }
}
