package io.mmserve.triton;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/**
 * Triton cannot serve the models as the manifest declares them: it did not answer within the
 * start-up timeout, the TLS handshake with it failed, it has no such model or version, or a
 * tensor's name, datatype or shape differs. The message names the model, the tensor and the
 * mismatch. A service exits when it sees one.
 */
public final class TritonStartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TritonStartupException(String message) {
    super(message);
  }

  public TritonStartupException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Why start-up call {@code what} failed for good (after its retries): the TLS handshake, a model
   * or version Triton does not serve, no answer within the start-up timeout (with {@code tls},
   * naming a refused client certificate as the likely cause), or another status.
   */
  static TritonStartupException ofFailedCall(
      String what, StatusRuntimeException e, TritonConfig config, boolean tls) {
    Status status = e.getStatus();
    String detail = TritonErrors.describe(status);
    Optional<String> tlsFailure = TritonErrors.tlsFailure(status);
    if (tlsFailure.isPresent()) {
      return new TritonStartupException(
          what
              + " failed: the TLS handshake with Triton at "
              + config.target()
              + " failed: "
              + tlsFailure.get()
              + " (check "
              + TritonTls.PREFIX
              + ".ca-file against Triton's certificate and its host names, and that Triton"
              + " trusts "
              + TritonTls.PREFIX
              + ".cert-file if it requires a client certificate)",
          e);
    }
    if (status.getCode() == Status.Code.NOT_FOUND) {
      return new TritonStartupException(
          what
              + " failed: Triton at "
              + config.target()
              + " does not serve the model"
              + (config.modelVersion().isEmpty() ? "" : " in version " + config.modelVersion())
              + ": "
              + detail,
          e);
    }
    if (status.getCode() == Status.Code.UNAVAILABLE) {
      return new TritonStartupException(
          what
              + " failed: Triton at "
              + config.target()
              + " did not answer within "
              + config.startupTimeout().toSeconds()
              + " s: "
              + detail
              + (tls
                  ? " (the channel uses TLS: Triton refusing this encoder's certificate, or its"
                      + " absence, looks like this to the client, a connection closed after the"
                      + " handshake, and Triton logs 'Handshake failed'; check "
                      + TritonTls.PREFIX
                      + ".cert-file and .key-file against Triton's --grpc-root-cert)"
                  : ""),
          e);
    }
    return new TritonStartupException(what + " failed with " + status.getCode() + ": " + detail, e);
  }
}
