package io.mmserve.cli;

import io.grpc.Status;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.UpsertRequest;
import io.mmserve.api.v1.UpsertResponse;
import io.mmserve.client.MmserveClient;
import io.mmserve.client.MmserveException;
import io.mmserve.kit.errors.FieldViolation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Upsert of {@code index}: reads its files, sends them as image items (id = relative path;
 * metadata path, uri and the user's pairs), and when the gateway refuses some items by name
 * (INVALID_ARGUMENT with field violations on {@code items[i]}, such as an image the encoder cannot
 * decode) records those as failed and sends the rest again. Any other error fails the whole batch.
 * Runs on the calling thread (one of {@link IndexCommand}'s workers).
 */
final class IndexBatch {
  /**
   * The outcome of one batch.
   *
   * @param indexed images written
   * @param failed failed images' ids with the reason, in order
   * @param collectionSize the collection's size after the call, or -1 if no call succeeded
   */
  record Result(int indexed, Map<String, String> failed, long collectionSize) {}

  private final MmserveClient gateway;
  private final IndexOptions options;

  /** Each call gets {@code options}' timeout. */
  IndexBatch(MmserveClient gateway, IndexOptions options) {
    this.gateway = gateway.withTimeout(options.call().timeout());
    this.options = options;
  }

  Result upsert(List<ImageFiles.Found> files) {
    Map<String, String> failed = new LinkedHashMap<>();
    List<GalleryItem> items = new ArrayList<>();
    for (ImageFiles.Found file : files) {
      try {
        items.add(item(file));
      } catch (IOException e) {
        failed.put(file.id(), "cannot read it: " + EmbedCommand.describe(e));
      }
    }
    while (!items.isEmpty()) {
      UpsertRequest request =
          UpsertRequest.newBuilder()
              .setCollection(options.collection())
              .setModel(options.call().model())
              .addAllItems(items)
              .build();
      try {
        UpsertResponse response = gateway.upsert(request);
        return new Result(items.size(), failed, response.getCollectionSize());
      } catch (MmserveException e) {
        Map<Integer, String> refused = refusedItems(e, items.size());
        if (refused.isEmpty()) {
          String reason = oneLine(GatewayError.message("Upsert", options.call().target(), e));
          items.forEach(item -> failed.put(item.getId(), reason));
          return new Result(0, failed, -1);
        }
        List<GalleryItem> rest = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          if (refused.containsKey(i)) {
            failed.put(items.get(i).getId(), refused.get(i));
          } else {
            rest.add(items.get(i));
          }
        }
        items = rest;
      }
    }
    return new Result(0, failed, -1);
  }

  private GalleryItem item(ImageFiles.Found file) throws IOException {
    return GalleryItem.newBuilder()
        .setId(file.id())
        .setImage(Image.newBuilder().setEncoded(EmbedCommand.read(file.file().toString())))
        .putMetadata("path", file.id())
        .putMetadata("uri", file.file().toUri().toString())
        .putAllMetadata(options.metadata())
        .build();
  }

  /**
   * The items an INVALID_ARGUMENT names ({@code items[i]}, or {@code images[i]}: every item of
   * {@code index} is an image, so both count the same), with the rule each broke.
   */
  static Map<Integer, String> refusedItems(MmserveException e, int count) {
    Map<Integer, String> refused = new HashMap<>();
    if (e.code() != Status.Code.INVALID_ARGUMENT) {
      return refused;
    }
    for (FieldViolation v : GatewayError.violations(e)) {
      boolean item = v.field().equals("items") || v.field().equals("images");
      if (item && v.index() >= 0 && v.index() < count) {
        refused.put(v.index(), "INVALID_ARGUMENT: " + v.rule());
      }
    }
    return refused;
  }

  private static String oneLine(String message) {
    return message.replace("mmserve: ", "").replace('\n', ' ');
  }
}
