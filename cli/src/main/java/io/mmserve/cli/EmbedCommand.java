package io.mmserve.cli;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedImageResponse;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.Image;
import io.mmserve.client.MmserveClient;
import io.mmserve.client.MmserveException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code embed-text} and {@code embed-image}: one call to the gateway, its answer printed to {@code
 * out}, errors (status code and description) to {@code err}.
 */
final class EmbedCommand {
  /** Exit code of a call that failed (a usage error is 2). */
  static final int CALL_FAILED = 1;

  /** Answers from the gateway can be as large as its requests. */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

  private final PrintStream out;
  private final PrintStream err;

  EmbedCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Embeds {@code options.inputs()} as texts; returns the exit code. */
  int embedText(EmbedOptions options) {
    EmbedTextRequest request =
        EmbedTextRequest.newBuilder()
            .addAllTexts(options.inputs())
            .setModel(options.model())
            .setSkipNormalization(options.skipNormalization())
            .build();
    ManagedChannel channel = channel(options);
    try {
      EmbedTextResponse response = client(channel, options).embedText(request);
      print(
          options,
          new EmbeddingFormat.Answer(
              response.getModel(),
              response.getModelVersion(),
              response.getEmbeddingsList(),
              options.inputs(),
              true));
      return 0;
    } catch (MmserveException e) {
      return failed("EmbedText", options, e.status());
    } finally {
      channel.shutdownNow();
    }
  }

  /** Reads {@code options.inputs()} as image files and embeds them; returns the exit code. */
  int embedImage(EmbedOptions options) {
    List<Image> images = new ArrayList<>();
    for (String file : options.inputs()) {
      try {
        images.add(Image.newBuilder().setEncoded(read(file)).build());
      } catch (IOException e) {
        err.println("mmserve: cannot read image " + file + ": " + describe(e));
        return CALL_FAILED;
      }
    }
    EmbedImageRequest request =
        EmbedImageRequest.newBuilder()
            .addAllImages(images)
            .setModel(options.model())
            .setSkipNormalization(options.skipNormalization())
            .build();
    ManagedChannel channel = channel(options);
    try {
      EmbedImageResponse response = client(channel, options).embedImage(request);
      print(
          options,
          new EmbeddingFormat.Answer(
              response.getModel(),
              response.getModelVersion(),
              response.getEmbeddingsList(),
              options.inputs(),
              false));
      return 0;
    } catch (MmserveException e) {
      return failed("EmbedImage", options, e.status());
    } finally {
      channel.shutdownNow();
    }
  }

  static ByteString read(String file) throws IOException {
    Path path = Path.of(file);
    if (Files.isDirectory(path)) {
      throw new IOException("it is a directory");
    }
    try (InputStream in = Files.newInputStream(path)) {
      return ByteString.readFrom(in);
    }
  }

  static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static ManagedChannel channel(EmbedOptions options) {
    return GatewayChannel.open(options.target(), options.caFile(), MAX_INBOUND_MESSAGE_BYTES);
  }

  private static MmserveClient client(ManagedChannel channel, EmbedOptions options) {
    return options.apiKey().client(channel, options.timeout());
  }

  private void print(EmbedOptions options, EmbeddingFormat.Answer answer) {
    out.print(options.json() ? EmbeddingFormat.json(answer) : EmbeddingFormat.readable(answer));
    out.flush();
  }

  private int failed(String method, EmbedOptions options, Status status) {
    err.println(errorMessage(method, options.target(), status));
    return CALL_FAILED;
  }

  /**
   * "mmserve: EmbedText failed: INVALID_ARGUMENT: texts: ...", with a hint when the gateway could
   * not be reached.
   */
  static String errorMessage(String method, String target, Status status) {
    StringBuilder message =
        new StringBuilder("mmserve: ").append(method).append(" failed: ").append(status.getCode());
    if (status.getDescription() != null) {
      message.append(": ").append(status.getDescription());
    }
    // grpc attaches a cause only to statuses made on this side, such as a refused connection; an
    // UNAVAILABLE that the gateway sent (an encoder down, overload) arrives without one
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
      message
          .append("\nmmserve: is the gateway running on ")
          .append(target)
          .append("? Start the local stack with: ./mmserve up");
    }
    return message.toString();
  }
}
