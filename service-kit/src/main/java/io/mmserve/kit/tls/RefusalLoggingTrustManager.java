package io.mmserve.kit.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A server's trust manager that says why it refused a client's certificate: it delegates every
 * check to grpc-java's reloading trust manager and, when a client's certificate is refused, reports
 * one line naming the certificate and the reason (expired, not yet valid, not issued by a trusted
 * CA) before the handshake fails. Called on the transport's event loop during the handshake.
 */
final class RefusalLoggingTrustManager extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager delegate;
  private final String trustedCas;
  private final Consumer<String> refusals;

  /**
   * @param trustedCas what the trusted CAs are, in the message (the setting and its file)
   * @param refusals where a refusal's line goes; called on the event loop, must not block
   */
  RefusalLoggingTrustManager(
      X509ExtendedTrustManager delegate, String trustedCas, Consumer<String> refusals) {
    this.delegate = delegate;
    this.trustedCas = trustedCas;
    this.refusals = refusals;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      refusals.accept(describe(chain, e, engine == null ? null : engine.getPeerHost()));
      throw e;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      refusals.accept(describe(chain, e, null));
      throw e;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, authType);
    } catch (CertificateException e) {
      refusals.accept(describe(chain, e, null));
      throw e;
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }

  /** The refusal's line: which certificate, why, and what the client gets. */
  String describe(X509Certificate[] chain, CertificateException e, String peerHost) {
    String from = peerHost == null ? "" : " from " + peerHost;
    if (chain == null || chain.length == 0) {
      return "TLS client" + from + " refused: no certificate; the handshake fails";
    }
    X509Certificate leaf = chain[0];
    return "TLS client"
        + from
        + " refused: certificate "
        + leaf.getSubjectX500Principal()
        + " (serial "
        + leaf.getSerialNumber().toString(16)
        + ", issuer "
        + leaf.getIssuerX500Principal()
        + ") "
        + reason(leaf, e)
        + "; the handshake fails";
  }

  private String reason(X509Certificate leaf, CertificateException e) {
    Date now = new Date();
    try {
      leaf.checkValidity(now);
    } catch (CertificateExpiredException expired) {
      return "expired on " + leaf.getNotAfter().toInstant();
    } catch (CertificateNotYetValidException early) {
      return "is not valid before " + leaf.getNotBefore().toInstant();
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String name = t.getClass().getSimpleName();
      if (name.equals("SunCertPathBuilderException") || name.equals("CertPathBuilderException")) {
        return "is not issued by a CA in " + trustedCas;
      }
    }
    return "is not trusted (" + e.getMessage() + ")";
  }
}
