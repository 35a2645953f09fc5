package io.mmserve.cli;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.mmserve.kit.tls.CertificateAuthority;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * The throwaway certificates of {@code ./mmserve up --tls}, made afresh by every {@code up} in one
 * folder: {@value #CA_FILE} (the CA every service and client trusts), and {@code MODULE.crt} with
 * {@code MODULE.key} for each module of the stack and for the CLI itself ({@value #CLIENT}), each
 * for the host names {@code localhost} and {@code 127.0.0.1}. The CA's key is never written: once
 * {@code up} has issued them, no more certificates can be made under it.
 */
final class LocalCertificates {
  static final String CA_FILE = "ca.crt";

  /** The identity of the CLI's own health probes. */
  static final String CLIENT = "mmserve-cli";

  static final List<String> HOSTS = List.of("localhost", "127.0.0.1");
  static final Duration VALIDITY = Duration.ofDays(30);

  private LocalCertificates() {}

  /**
   * Makes a new CA and a certificate for each of {@code modules} and for the CLI in {@code dir},
   * replacing what an earlier {@code up} left there.
   */
  static void create(Path dir, Collection<String> modules, Clock clock) {
    CertificateAuthority ca =
        CertificateAuthority.create("mmserve local CA " + clock.instant(), clock, VALIDITY);
    for (String module : modules) {
      ca.issue(module, HOSTS, VALIDITY).writeTo(certFile(dir, module), keyFile(dir, module));
    }
    ca.issue(CLIENT, HOSTS, VALIDITY).writeTo(certFile(dir, CLIENT), keyFile(dir, CLIENT));
    ca.writeCertificate(caFile(dir)); // last: its presence says the folder is complete
  }

  static Path caFile(Path dir) {
    return dir.resolve(CA_FILE);
  }

  static Path certFile(Path dir, String module) {
    return dir.resolve(module + ".crt");
  }

  static Path keyFile(Path dir, String module) {
    return dir.resolve(module + ".key");
  }

  /** The credentials of the CLI's health probes: trusting the CA, presenting its certificate. */
  static ChannelCredentials cliCredentials(Path dir) throws IOException {
    return TlsChannelCredentials.newBuilder()
        .trustManager(caFile(dir).toFile())
        .keyManager(certFile(dir, CLIENT).toFile(), keyFile(dir, CLIENT).toFile())
        .build();
  }
}
