package io.mmserve.cli;

import io.grpc.ManagedChannel;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.SearchResponse;
import io.mmserve.client.MmserveException;
import java.io.IOException;
import java.io.PrintStream;

/**
 * {@code search --collection NAME "text" | --image FILE}: one Search call, the ranked hits printed
 * to {@code out} (see {@link SearchFormat}), errors with their field violations to {@code err}.
 * Thumbnails are left out of the answer: a terminal does not show them.
 */
final class SearchCommand {
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

  private final PrintStream out;
  private final PrintStream err;

  SearchCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  int run(SearchOptions options) {
    SearchRequest.Builder request =
        SearchRequest.newBuilder()
            .setCollection(options.collection())
            .setTopK(options.topK())
            .setFilter(options.filter())
            .setExact(options.exact())
            .setOmitThumbnails(true);
    if (options.text().isPresent()) {
      request.setText(options.text().get());
    } else {
      String file = options.image().orElseThrow();
      try {
        request.setImage(Image.newBuilder().setEncoded(EmbedCommand.read(file)));
      } catch (IOException e) {
        err.println("mmserve: cannot read image " + file + ": " + EmbedCommand.describe(e));
        return EmbedCommand.CALL_FAILED;
      }
    }
    ManagedChannel channel =
        GatewayChannel.open(
            options.call().target(), options.call().caFile(), MAX_INBOUND_MESSAGE_BYTES);
    try {
      SearchResponse response = options.call().client(channel).search(request.build());
      String query = options.text().orElseGet(() -> options.image().orElseThrow());
      out.print(
          options.call().json()
              ? SearchFormat.json(options.collection(), query, response)
              : SearchFormat.readable(options.collection(), query, response));
      out.flush();
      return 0;
    } catch (MmserveException e) {
      err.println(GatewayError.message("Search", options.call().target(), e));
      return EmbedCommand.CALL_FAILED;
    } finally {
      channel.shutdownNow();
    }
  }
}
