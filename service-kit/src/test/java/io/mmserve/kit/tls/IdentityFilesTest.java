package io.mmserve.kit.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading a certificate and key from disk, one poll at a time (the test calls the poll itself):
 * what changed is applied, what is broken or half written is not.
 */
class IdentityFilesTest {
  @TempDir Path dir;
  private TestPki pki;
  private TestPki.Identity first;
  private IdentityFiles files;

  @BeforeEach
  void load() {
    pki = new TestPki(dir, Clock.systemUTC(), "test");
    first = pki.issue("server", TestPki.LOOPBACK);
    files = new IdentityFiles("tls.cert-file", first.certFile(), "tls.key-file", first.keyFile());
  }

  @Test
  void unchangedFiles_areNotApplied() {
    assertFalse(files.reloadIfChanged());
    assertEquals(first.issued().certificate(), presented());
  }

  @Test
  void newPair_isApplied() {
    TestPki.Identity second = pki.issue("server", TestPki.LOOPBACK);

    assertTrue(files.reloadIfChanged());
    assertEquals(second.issued().certificate(), presented());
  }

  @Test
  void halfWrittenRotation_keepsTheOldPair_untilTheKeyArrives() throws Exception {
    CertificateAuthority.Issued next = pki.ca.issue("server", TestPki.LOOPBACK, TestPki.VALIDITY);
    Path staging = Files.createDirectories(dir.resolve("staging"));
    next.writeTo(staging.resolve("tls.crt"), staging.resolve("tls.key"));
    Files.move(staging.resolve("tls.crt"), first.certFile(), StandardCopyOption.REPLACE_EXISTING);

    assertFalse(files.reloadIfChanged(), "a certificate beside another certificate's key");
    assertEquals(first.issued().certificate(), presented());

    Files.move(staging.resolve("tls.key"), first.keyFile(), StandardCopyOption.REPLACE_EXISTING);
    assertTrue(files.reloadIfChanged());
    assertEquals(next.certificate(), presented());
  }

  @Test
  void deletedOrBrokenFiles_keepTheOldPair() throws Exception {
    Files.delete(first.keyFile());
    assertFalse(files.reloadIfChanged());
    Files.writeString(first.keyFile(), "garbage");
    assertFalse(files.reloadIfChanged());

    assertEquals(first.issued().certificate(), presented());
  }

  private X509Certificate presented() {
    String alias = files.keyManager().chooseEngineServerAlias("EC", null, null);
    return files.keyManager().getCertificateChain(alias)[0];
  }
}
