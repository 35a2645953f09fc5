package io.mmserve.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.mmserve.kit.client.GrpcChannels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The channel of a client command (embed-text, search, ...) to the gateway: plaintext, or TLS
 * trusting the CA certificates of {@code --ca-file FILE} (or {@value #CA_FILE_ENV}), such as the
 * {@code ca.crt} that {@code ./mmserve up --tls} prints. The gateway's certificate must name the
 * target's host. The caller owns the channel.
 */
final class GatewayChannel {
  /** The environment variable naming the CA file when {@code --ca-file} is not given. */
  static final String CA_FILE_ENV = "MMSERVE_CA_FILE";

  static final String CA_FILE_OPTION = "--ca-file";

  static final String USAGE = "--ca-file FILE (or $" + CA_FILE_ENV + "): TLS, trusting FILE's CAs";

  private GatewayChannel() {}

  /**
   * The CA file of {@code --ca-file} or {@value #CA_FILE_ENV}; empty for plaintext.
   *
   * @throws UsageException if it names no file
   */
  static Optional<Path> caFile(CommandLine line, Map<String, String> env) {
    Optional<Path> file =
        line.value(CA_FILE_OPTION)
            .or(() -> Optional.ofNullable(env.get(CA_FILE_ENV)).filter(v -> !v.isBlank()))
            .map(Path::of);
    if (file.isPresent() && !Files.isRegularFile(file.get())) {
      throw new UsageException(
          CA_FILE_OPTION
              + " (or $"
              + CA_FILE_ENV
              + ") must name a PEM file of CA certificates,"
              + " but "
              + file.get()
              + " is not a file");
    }
    return file;
  }

  /** A channel to {@code target}, TLS if {@code caFile} is present. */
  static ManagedChannel open(String target, Optional<Path> caFile, int maxInboundMessageBytes) {
    ChannelCredentials credentials;
    if (caFile.isEmpty()) {
      credentials = InsecureChannelCredentials.create();
    } else {
      try {
        credentials =
            TlsChannelCredentials.newBuilder().trustManager(caFile.get().toFile()).build();
      } catch (IOException | RuntimeException e) {
        throw new UsageException(
            CA_FILE_OPTION
                + " "
                + caFile.get()
                + " holds no usable CA certificate: "
                + e.getMessage());
      }
    }
    return GrpcChannels.channel(target, maxInboundMessageBytes, credentials);
  }
}
