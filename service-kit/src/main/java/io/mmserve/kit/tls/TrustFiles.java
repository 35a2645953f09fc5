package io.mmserve.kit.tls;

import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The CA certificates a side of TLS trusts, from one PEM file, put into grpc-java's {@link
 * AdvancedTlsX509TrustManager}: each new handshake checks the peer against what was applied last.
 */
final class TrustFiles extends WatchedFiles {
  private final AdvancedTlsX509TrustManager trustManager;

  /**
   * Reads and applies the file.
   *
   * @param verification whether the peer's certificate must also name the host connected to (a
   *     client checking its server) or only chain to a trusted CA (a server checking its clients)
   * @throws io.mmserve.kit.config.ConfigException naming the setting and the file
   */
  TrustFiles(String caSetting, Path caFile, Verification verification) {
    super(List.of(caSetting), List.of(caFile));
    try {
      this.trustManager =
          AdvancedTlsX509TrustManager.newBuilder().setVerification(verification).build();
    } catch (CertificateException e) {
      throw new IllegalStateException("cannot make the trust manager", e);
    }
    load();
  }

  AdvancedTlsX509TrustManager trustManager() {
    return trustManager;
  }

  @Override
  String apply(List<byte[]> contents) {
    X509Certificate[] cas = PemFiles.certificates(setting(0), file(0), contents.get(0));
    try {
      trustManager.updateTrustCredentials(cas);
    } catch (java.io.IOException | GeneralSecurityException e) {
      throw new io.mmserve.kit.config.ConfigException(
          setting(0) + " " + file(0) + " cannot be trusted: " + e.getMessage());
    }
    return cas.length + " CA certificate(s), first " + IdentityFiles.describe(cas[0]);
  }
}
