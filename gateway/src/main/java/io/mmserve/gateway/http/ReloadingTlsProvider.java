package io.mmserve.gateway.http;

import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import io.mmserve.kit.tls.ServerIdentity;

/**
 * Armeria's TLS key pair for the HTTP port, following a reloading {@link ServerIdentity}: each new
 * connection asks {@link #keyPair}, which returns the same {@link TlsKeyPair} until the identity
 * applies new files, then a new one. Armeria keeps one SslContext per key pair, so new connections
 * get the new certificate and established ones go on with theirs.
 *
 * <p>Thread-safe (called on Armeria's event loops). Does not own the identity: {@link #close()}
 * does nothing, whoever started the identity closes it.
 */
final class ReloadingTlsProvider implements TlsProvider {
  private final ServerIdentity identity;
  private volatile Current current;

  private record Current(ServerIdentity.Material material, TlsKeyPair keyPair) {}

  ReloadingTlsProvider(ServerIdentity identity) {
    this.identity = identity;
    this.current = convert(identity.current());
  }

  /** The certificate of every host name: the gateway has one. */
  @Override
  public TlsKeyPair keyPair(String hostname) {
    ServerIdentity.Material material = identity.current();
    Current seen = current;
    if (seen.material() != material) { // a reload: a benign race makes at most one extra pair
      seen = convert(material);
      current = seen;
    }
    return seen.keyPair();
  }

  @Override
  public boolean autoClose() {
    return false;
  }

  @Override
  public void close() {}

  private static Current convert(ServerIdentity.Material material) {
    return new Current(material, TlsKeyPair.of(material.key(), material.chain()));
  }
}
