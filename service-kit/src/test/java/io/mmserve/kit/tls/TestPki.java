package io.mmserve.kit.tls;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The certificates of a test, written as PEM under one folder: a CA with a server certificate for
 * localhost and 127.0.0.1 and a client certificate, and whatever else a test issues.
 */
final class TestPki {
  static final Duration VALIDITY = Duration.ofDays(1);
  static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1");

  final Path dir;
  final Clock clock;
  final CertificateAuthority ca;
  final Path caFile;

  TestPki(Path dir, Clock clock, String caName) {
    this.dir = dir;
    this.clock = clock;
    this.ca = CertificateAuthority.create(caName, clock, VALIDITY);
    this.caFile = dir.resolve(caName + "-ca.crt");
    ca.writeCertificate(caFile);
  }

  /** Issues a certificate valid now and writes it to {@code NAME.crt} and {@code NAME.key}. */
  Identity issue(String name, List<String> hostNames) {
    return write(name, ca.issue(name, hostNames, VALIDITY));
  }

  /** Issues a certificate that expired an hour ago. */
  Identity issueExpired(String name) {
    Instant now = clock.instant();
    return write(
        name, ca.issue(name, List.of(), now.minus(VALIDITY), now.minus(Duration.ofHours(1))));
  }

  Identity write(String name, CertificateAuthority.Issued issued) {
    Identity identity =
        new Identity(dir.resolve(name + ".crt"), dir.resolve(name + ".key"), issued);
    issued.writeTo(identity.certFile(), identity.keyFile());
    return identity;
  }

  /** Certificate and key files, and what was written to them. */
  record Identity(Path certFile, Path keyFile, CertificateAuthority.Issued issued) {}
}
