package io.mmserve.kit.tls;

import io.grpc.util.CertificateUtils;
import io.mmserve.kit.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * Reads the PEM files a TLS setting names, at start-up, so a bad one stops the service with a
 * message naming the setting and the file ({@link ConfigException}) instead of failing the first
 * handshake. The same files are read again by grpc-java's reloading key and trust managers.
 */
final class PemFiles {
  private static final String BEGIN_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

  private PemFiles() {}

  /** The bytes of {@code file}, the file that setting {@code key} names. */
  static byte[] read(String key, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw bad(key, file, "does not exist");
    } catch (IOException e) {
      throw bad(key, file, "cannot be read: " + e);
    }
  }

  /** The certificates in {@code file} (a chain, leaf first; or the CAs to trust). */
  static X509Certificate[] certificates(String key, Path file) {
    return certificates(key, file, read(key, file));
  }

  /** The certificates in {@code pem}, the contents of {@code file}. */
  static X509Certificate[] certificates(String key, Path file, byte[] pem) {
    if (!new String(pem, StandardCharsets.US_ASCII).contains(BEGIN_CERTIFICATE)) {
      throw bad(key, file, "holds no PEM certificate (" + BEGIN_CERTIFICATE + ")");
    }
    X509Certificate[] certificates;
    try (InputStream in = new ByteArrayInputStream(pem)) {
      certificates = CertificateUtils.getX509Certificates(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw bad(key, file, "is not a PEM certificate file: " + e.getMessage());
    }
    if (certificates.length == 0) {
      throw bad(key, file, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return certificates;
  }

  /** The PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}, RSA or EC) in {@code file}. */
  static PrivateKey privateKey(String key, Path file) {
    return privateKey(key, file, read(key, file));
  }

  /** The private key in {@code pem}, the contents of {@code file}. */
  static PrivateKey privateKey(String key, Path file, byte[] pem) {
    try (InputStream in = new ByteArrayInputStream(pem)) {
      return CertificateUtils.getPrivateKey(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw bad(key, file, "is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
  }

  /**
   * Checks that {@code privateKey} belongs to the first certificate of {@code chain}: signs random
   * bytes with it and verifies them with the certificate's public key.
   */
  static void checkPair(
      String certKey,
      Path certFile,
      X509Certificate[] chain,
      String keyKey,
      Path keyFile,
      PrivateKey privateKey) {
    byte[] data = new byte[32];
    new SecureRandom().nextBytes(data);
    boolean matches;
    try {
      String algorithm = signatureAlgorithm(privateKey);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(data);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(chain[0].getPublicKey());
      verifier.update(data);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new ConfigException(
          keyKey
              + " "
              + keyFile
              + " is not the private key of the certificate in "
              + certKey
              + " "
              + certFile
              + " ("
              + chain[0].getSubjectX500Principal()
              + ")");
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448 sign without a separate digest
    };
  }

  private static ConfigException bad(String key, Path file, String why) {
    return new ConfigException(key + " " + file + " " + why);
  }
}
