package io.mmserve.kit.tls;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * TLS of a service's gRPC server, from the {@code tls.*} settings. Off (plaintext) unless {@code
 * tls.cert-file} and {@code tls.key-file} are set; with {@code tls.client-ca-file} too, every
 * client must present a certificate issued by one of those CAs (mutual TLS).
 *
 * @param certFile PEM certificate chain the server presents, leaf first
 * @param keyFile PEM PKCS#8 private key of that certificate
 * @param clientCaFile PEM CA certificates a client's certificate must chain to; empty: clients are
 *     not asked for a certificate
 * @param refreshInterval how often the files are checked for changes (their modification time) and
 *     read again
 */
public record ServerTlsSettings(
    Path certFile, Path keyFile, Optional<Path> clientCaFile, Duration refreshInterval) {

  public static final String CERT_FILE = "tls.cert-file";
  public static final String KEY_FILE = "tls.key-file";
  public static final String CLIENT_CA_FILE = "tls.client-ca-file";
  public static final String REFRESH_INTERVAL = "tls.refresh-interval";

  public static final String DEFAULT_REFRESH_INTERVAL = "1m";

  /** These settings with their defaults (all files unset: plaintext). */
  public static Map<String, String> defaults() {
    return Map.of(
        CERT_FILE, "",
        KEY_FILE, "",
        CLIENT_CA_FILE, "",
        REFRESH_INTERVAL, DEFAULT_REFRESH_INTERVAL);
  }

  /**
   * Reads the settings and checks the files: each one is read, the key must belong to the
   * certificate. Empty when TLS is off.
   *
   * @throws ConfigException naming the setting and the file: only one of cert and key set, a CA
   *     file without them, a missing or unreadable file, no PEM in it, a key of another certificate
   */
  public static Optional<ServerTlsSettings> from(Config config) {
    Optional<Path> cert = config.find(CERT_FILE).map(Path::of);
    Optional<Path> key = config.find(KEY_FILE).map(Path::of);
    Optional<Path> clientCa = config.find(CLIENT_CA_FILE).map(Path::of);
    Duration refresh = refreshInterval(config);
    if (cert.isEmpty() && key.isEmpty()) {
      if (clientCa.isPresent()) {
        throw new ConfigException(
            CLIENT_CA_FILE + " needs " + CERT_FILE + " and " + KEY_FILE + " (mutual TLS is TLS)");
      }
      return Optional.empty();
    }
    if (cert.isEmpty() || key.isEmpty()) {
      String missing = cert.isEmpty() ? CERT_FILE : KEY_FILE;
      String given = cert.isEmpty() ? KEY_FILE : CERT_FILE;
      throw new ConfigException(missing + " must be set when " + given + " is, but was empty");
    }
    checkIdentity(CERT_FILE, cert.get(), KEY_FILE, key.get());
    clientCa.ifPresent(file -> PemFiles.certificates(CLIENT_CA_FILE, file));
    return Optional.of(new ServerTlsSettings(cert.get(), key.get(), clientCa, refresh));
  }

  /** True when clients must present a certificate. */
  public boolean mutual() {
    return clientCaFile.isPresent();
  }

  /** Reads {@value #REFRESH_INTERVAL} (100ms..1d). */
  static Duration refreshInterval(Config config) {
    return config.getDuration(REFRESH_INTERVAL, Duration.ofMillis(100), Duration.ofDays(1));
  }

  /** Reads a certificate and key pair, checking the key belongs to the certificate. */
  static void checkIdentity(String certKey, Path certFile, String keyKey, Path keyFile) {
    X509Certificate[] chain = PemFiles.certificates(certKey, certFile);
    PrivateKey privateKey = PemFiles.privateKey(keyKey, keyFile);
    PemFiles.checkPair(certKey, certFile, chain, keyKey, keyFile, privateKey);
  }
}
