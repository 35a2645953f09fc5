package io.mmserve.kit.tls;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Mutual TLS's "no certificate, no calls". The server asks every client for a certificate and
 * refuses one that is not trusted in the handshake; a client that sends none completes the
 * handshake (so the refusal can be logged and explained), then: the connection is reported once, as
 * it becomes ready ({@link #transportFilter}), and each of its calls is closed with {@link
 * #CERTIFICATE_REQUIRED} before any service code runs ({@link #interceptor}).
 */
final class ClientCertificateRequirement {
  /** What a client without a certificate gets on every call. */
  static final Status CERTIFICATE_REQUIRED =
      Status.UNAUTHENTICATED.withDescription(
          "a client certificate is required (mutual TLS); this connection presented none");

  private final String trustedCas;
  private final Consumer<String> refusals;

  ClientCertificateRequirement(String trustedCas, Consumer<String> refusals) {
    this.trustedCas = trustedCas;
    this.refusals = refusals;
  }

  /** Reports each ready connection that presented no certificate, once. */
  ServerTransportFilter transportFilter() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        if (!presentedCertificate(attributes)) {
          refusals.accept(
              "TLS client "
                  + attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)
                  + " refused: no client certificate (a certificate issued by a CA in "
                  + trustedCas
                  + " is required); its calls get UNAUTHENTICATED");
        }
        return attributes;
      }
    };
  }

  /** Closes every call of a connection without a certificate with UNAUTHENTICATED. */
  ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (presentedCertificate(call.getAttributes())) {
          return next.startCall(call, headers);
        }
        call.close(CERTIFICATE_REQUIRED, new Metadata());
        return new ServerCall.Listener<>() {};
      }
    };
  }

  private static boolean presentedCertificate(Attributes attributes) {
    SSLSession session = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return false;
    }
    try {
      return session.getPeerCertificates().length > 0;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }
}
