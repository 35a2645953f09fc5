package io.mmserve.kit.tls;

import io.grpc.util.AdvancedTlsX509KeyManager;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The certificate and private key a side of TLS presents, from two PEM files, put into grpc-java's
 * {@link AdvancedTlsX509KeyManager}: each new handshake presents what was applied last. A pair
 * whose key does not belong to its certificate is refused.
 */
final class IdentityFiles extends WatchedFiles {
  private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
  private volatile ServerIdentity.Material current; // what keyManager was given last

  /**
   * Reads and applies the files.
   *
   * @throws io.mmserve.kit.config.ConfigException naming the setting and the file
   */
  IdentityFiles(String certSetting, Path certFile, String keySetting, Path keyFile) {
    super(List.of(certSetting, keySetting), List.of(certFile, keyFile));
    load();
  }

  AdvancedTlsX509KeyManager keyManager() {
    return keyManager;
  }

  /** The certificate chain and key applied last, for servers that are not grpc-java's. */
  ServerIdentity.Material current() {
    return current;
  }

  @Override
  String apply(List<byte[]> contents) {
    X509Certificate[] chain = PemFiles.certificates(setting(0), file(0), contents.get(0));
    PrivateKey key = PemFiles.privateKey(setting(1), file(1), contents.get(1));
    PemFiles.checkPair(setting(0), file(0), chain, setting(1), file(1), key);
    keyManager.updateIdentityCredentials(chain, key);
    current = new ServerIdentity.Material(List.of(chain), key);
    return describe(chain[0]);
  }

  static String describe(X509Certificate certificate) {
    return certificate.getSubjectX500Principal()
        + " serial "
        + certificate.getSerialNumber().toString(16)
        + " valid until "
        + certificate.getNotAfter().toInstant();
  }
}
