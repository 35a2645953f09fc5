// The query driver of bench/gallery_recall.sh: a single-file Java program, run on the CLI's jar
// (which holds gRPC and the mmserve.v1 stubs):
//
//   java -cp cli/target/cli.jar bench/GalleryRecall.java TARGET COLLECTION DIR
//
// The images of DIR/images are already in COLLECTION (indexed with `mmserve index`). This program
// upserts the captions of DIR/captions.txt as texts into COLLECTION-captions, then asks the gateway
// for the top 5 of each caption among the images and of each image among the captions, and writes the
// ranked ids to DIR/results.json for bench/gallery_recall.py to score.

import com.google.gson.GsonBuilder;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.api.v1.SearchHit;
import io.mmserve.api.v1.SearchRequest;
import io.mmserve.api.v1.UpsertRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

public final class GalleryRecall {
  private static final int TOP_K = 5;
  private static final int TEXT_BATCH = 128;

  public static void main(String[] args) throws Exception {
    String target = args[0];
    String images = args[1];
    Path dir = Path.of(args[2]);
    String captions = images + "-captions";
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(target).usePlaintext().maxInboundMessageSize(64 << 20).build();
    try {
      MultimodalGrpc.MultimodalBlockingStub gateway = MultimodalGrpc.newBlockingStub(channel);
      List<String> texts = Files.readAllLines(dir.resolve("captions.txt"));
      for (int i = 0; i < texts.size(); i += TEXT_BATCH) {
        UpsertRequest.Builder upsert = UpsertRequest.newBuilder().setCollection(captions);
        for (String text : texts.subList(i, Math.min(texts.size(), i + TEXT_BATCH))) {
          upsert.addItems(GalleryItem.newBuilder().setId(text).setText(text));
        }
        deadline(gateway).upsert(upsert.build());
      }
      Map<String, List<String>> textToImage = new LinkedHashMap<>();
      for (String text : texts) {
        textToImage.put(text, ids(deadline(gateway).search(query(images).setText(text).build()).getHitsList()));
      }
      Map<String, List<String>> imageToText = new LinkedHashMap<>();
      List<Path> files;
      try (Stream<Path> list = Files.list(dir.resolve("images"))) {
        files = list.sorted().toList();
      }
      for (Path file : files) {
        Image image = Image.newBuilder().setEncoded(ByteString.copyFrom(Files.readAllBytes(file))).build();
        imageToText.put(
            file.getFileName().toString(),
            ids(deadline(gateway).search(query(captions).setImage(image).build()).getHitsList()));
      }
      Map<String, Object> results = new LinkedHashMap<>();
      results.put("text_to_image", textToImage);
      results.put("image_to_text", imageToText);
      Files.writeString(dir.resolve("results.json"), new GsonBuilder().create().toJson(results));
      System.err.printf(
          "queried %d captions against %d images and %d images against the captions%n",
          texts.size(), files.size(), files.size());
    } finally {
      channel.shutdownNow();
    }
  }

  private static SearchRequest.Builder query(String collection) {
    return SearchRequest.newBuilder().setCollection(collection).setTopK(TOP_K).setOmitThumbnails(true);
  }

  private static MultimodalGrpc.MultimodalBlockingStub deadline(MultimodalGrpc.MultimodalBlockingStub gateway) {
    return gateway.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static List<String> ids(List<SearchHit> hits) {
    List<String> ids = new ArrayList<>();
    hits.forEach(h -> ids.add(h.getId()));
    return ids;
  }
}
