package io.mmserve.cli;

import io.grpc.ManagedChannel;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ImageList;
import io.mmserve.api.v1.ImageTextPair;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.TextList;
import io.mmserve.client.MmserveClient;
import io.mmserve.client.MmserveException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code classify}, {@code match} and {@code rank}: one call to the gateway, its answer printed to
 * {@code out} (readable or JSON, see {@link UnderstandFormat}), errors to {@code err}.
 */
final class UnderstandCommand {
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

  private final PrintStream out;
  private final PrintStream err;

  UnderstandCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Classifies the image files over the labels; returns the exit code. */
  int classify(UnderstandOptions options) {
    List<Image> images = readImages(options.inputs());
    if (images == null) {
      return EmbedCommand.CALL_FAILED;
    }
    ClassifyRequest request =
        ClassifyRequest.newBuilder()
            .addAllImages(images)
            .addAllLabels(options.labels())
            .setPromptTemplate(options.template())
            .setTopK(options.topK())
            .setModel(options.call().model())
            .build();
    return call(
        "Classify",
        options,
        stub -> {
          var response = stub.classify(request);
          return options.call().json()
              ? UnderstandFormat.json(response, options.inputs())
              : UnderstandFormat.readable(response, options.inputs());
        });
  }

  /** Scores the (image file, caption) pairs; returns the exit code. */
  int match(UnderstandOptions options) {
    List<String> files = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    for (int i = 0; i < options.inputs().size(); i += 2) {
      files.add(options.inputs().get(i));
      captions.add(options.inputs().get(i + 1));
    }
    List<Image> images = readImages(files);
    if (images == null) {
      return EmbedCommand.CALL_FAILED;
    }
    MatchRequest.Builder request = MatchRequest.newBuilder().setModel(options.call().model());
    for (int i = 0; i < images.size(); i++) {
      request.addPairs(ImageTextPair.newBuilder().setImage(images.get(i)).setText(captions.get(i)));
    }
    return call(
        "Match",
        options,
        stub -> {
          var response = stub.match(request.build());
          return options.call().json()
              ? UnderstandFormat.json(response, files, captions)
              : UnderstandFormat.readable(response, files, captions);
        });
  }

  /** Ranks the candidates against the query; returns the exit code. */
  int rank(UnderstandOptions options) {
    RankRequest.Builder request =
        RankRequest.newBuilder()
            .setTopK(options.topK())
            .setRerankTopK(options.rerank())
            .setModel(options.call().model());
    String query;
    if (options.queryText().isPresent()) {
      query = options.queryText().get();
      request.setQueryText(query);
      List<Image> candidates = readImages(options.inputs());
      if (candidates == null) {
        return EmbedCommand.CALL_FAILED;
      }
      request.setCandidateImages(ImageList.newBuilder().addAllImages(candidates));
    } else {
      query = options.queryImage().orElseThrow();
      List<Image> image = readImages(List.of(query));
      if (image == null) {
        return EmbedCommand.CALL_FAILED;
      }
      request.setQueryImage(image.get(0));
      request.setCandidateTexts(TextList.newBuilder().addAllTexts(options.inputs()));
    }
    return call(
        "Rank",
        options,
        stub -> {
          var response = stub.rank(request.build());
          return options.call().json()
              ? UnderstandFormat.json(response, query, options.inputs())
              : UnderstandFormat.readable(response, query, options.inputs());
        });
  }

  /** The files as encoded images, or null after printing why one cannot be read. */
  private List<Image> readImages(List<String> files) {
    List<Image> images = new ArrayList<>();
    for (String file : files) {
      try {
        images.add(Image.newBuilder().setEncoded(EmbedCommand.read(file)).build());
      } catch (IOException e) {
        err.println("mmserve: cannot read image " + file + ": " + EmbedCommand.describe(e));
        return null;
      }
    }
    return images;
  }

  private int call(String method, UnderstandOptions options, Function<MmserveClient, String> call) {
    ManagedChannel channel =
        GatewayChannel.open(
            options.call().target(), options.call().caFile(), MAX_INBOUND_MESSAGE_BYTES);
    try {
      String printed = call.apply(options.call().client(channel));
      out.print(printed);
      out.flush();
      return 0;
    } catch (MmserveException e) {
      err.println(GatewayError.message(method, options.call().target(), e));
      return EmbedCommand.CALL_FAILED;
    } finally {
      channel.shutdownNow();
    }
  }
}
