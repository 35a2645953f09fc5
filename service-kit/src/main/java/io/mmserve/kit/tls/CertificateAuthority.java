package io.mmserve.kit.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throwaway certificate authority (Bouncy Castle, ECDSA P-256 keys): makes its own self-signed
 * certificate and issues certificates for servers and clients, each usable for both (extended key
 * usages serverAuth and clientAuth). For {@code ./mmserve up --tls} and tests, not for production
 * (its key lives only in memory and on the local disk).
 *
 * <p>Needs {@code bcpkix-jdk18on} on the class path: service-kit declares it optional, so only the
 * CLI and the tests, which use this class, carry it. Not thread-safe.
 */
public final class CertificateAuthority {
  private static final String SIGNATURE = "SHA256withECDSA";

  private final KeyPair keys;
  private final X509Certificate certificate;
  private final X500Name name;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private CertificateAuthority(String commonName, Clock clock, Duration validity) {
    this.clock = clock;
    this.name = new X500Name("CN=" + commonName);
    this.keys = newKeyPair();
    Instant now = clock.instant();
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  name,
                  serial(),
                  Date.from(now.minus(Duration.ofHours(1))),
                  Date.from(now.plus(validity)),
                  name,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      this.certificate = sign(builder);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the CA certificate", e);
    }
  }

  /**
   * A new authority named {@code CN=commonName}, valid from an hour before {@code clock}'s now
   * (clock skew) for {@code validity}.
   */
  public static CertificateAuthority create(String commonName, Clock clock, Duration validity) {
    return new CertificateAuthority(commonName, clock, validity);
  }

  /** This authority's own (self-signed) certificate: what a peer trusts. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Issues a certificate valid from an hour before the clock's now for {@code validity}.
   *
   * @param hostNames subject alternative names: an IP address literal becomes an IP entry, anything
   *     else a DNS entry
   */
  public Issued issue(String commonName, List<String> hostNames, Duration validity) {
    Instant now = clock.instant();
    return issue(commonName, hostNames, now.minus(Duration.ofHours(1)), now.plus(validity));
  }

  /**
   * Issues a certificate valid from {@code notBefore} to {@code notAfter} (tests: expired ones).
   */
  public Issued issue(
      String commonName, List<String> hostNames, Instant notBefore, Instant notAfter) {
    KeyPair pair = newKeyPair();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      GeneralName[] names =
          hostNames.stream().map(CertificateAuthority::generalName).toArray(GeneralName[]::new);
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  name,
                  serial(),
                  Date.from(notBefore),
                  Date.from(notAfter),
                  new X500Name("CN=" + commonName),
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(certificate))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(pair.getPublic()));
      if (names.length > 0) {
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      return new Issued(sign(builder), pair.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
    }
  }

  /** Writes this authority's certificate as PEM to {@code file} (replacing it atomically). */
  public void writeCertificate(Path file) {
    writeAtomically(file, pem(certificate), false);
  }

  /**
   * A certificate and its private key.
   *
   * @param certificate signed by the authority that issued it
   * @param key the certificate's private key
   */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    /**
     * Writes the certificate and the key (PKCS#8, readable by its owner only) as PEM, each
     * replacing its file atomically (a reader sees the old file or the new one, never a part).
     */
    public void writeTo(Path certificateFile, Path keyFile) {
      writeAtomically(keyFile, pem(key), true);
      writeAtomically(certificateFile, pem(certificate), false);
    }
  }

  private static GeneralName generalName(String host) {
    boolean ip = host.matches("[0-9.]+") || host.contains(":");
    return new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host);
  }

  private BigInteger serial() {
    return new BigInteger(63, random).add(BigInteger.ONE);
  }

  private X509Certificate sign(X509v3CertificateBuilder builder) throws GeneralSecurityException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(keys.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 key generator in this JDK", e);
    }
  }

  private static String pem(Object object) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      if (object instanceof PrivateKey key) {
        writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded())); // PKCS#8
      } else {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  private static void writeAtomically(Path file, String text, boolean ownerOnly) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path temporary = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      if (ownerOnly) {
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
      }
      Files.writeString(temporary, text, StandardCharsets.US_ASCII);
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
