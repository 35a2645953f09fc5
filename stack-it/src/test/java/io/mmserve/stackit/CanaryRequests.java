package io.mmserve.stackit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.ClassifyResponse;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.ImageList;
import io.mmserve.api.v1.ImageTextPair;
import io.mmserve.api.v1.LabelScore;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.testsupport.ShapePictures;
import java.util.ArrayList;
import java.util.List;

/** The requests {@link CanaryRoutingIT} sends, and how it compares their logits. */
final class CanaryRequests {
  private CanaryRequests() {}

  static Image image(String colour, String shape) {
    return Image.newBuilder()
        .setEncoded(ByteString.copyFrom(ShapePictures.png(colour, shape)))
        .build();
  }

  static ClassifyRequest classify(List<Image> images, List<String> labels, String model) {
    return ClassifyRequest.newBuilder()
        .addAllImages(images)
        .addAllLabels(labels)
        .setModel(model)
        .build();
  }

  static RankRequest rank(List<Image> images, String query) {
    return RankRequest.newBuilder()
        .setQueryText(query)
        .setCandidateImages(ImageList.newBuilder().addAllImages(images))
        .setRerankTopK(2)
        .build();
  }

  static MatchRequest match(List<Image> images, List<String> texts) {
    MatchRequest.Builder request = MatchRequest.newBuilder();
    for (int i = 0; i < images.size(); i++) {
      request.addPairs(ImageTextPair.newBuilder().setImage(images.get(i)).setText(texts.get(i)));
    }
    return request.build();
  }

  /** Every image's logits, sorted by label. */
  static List<Float> logits(ClassifyResponse response) {
    List<Float> out = new ArrayList<>();
    response
        .getClassificationsList()
        .forEach(
            c ->
                c.getScoresList().stream()
                    .sorted((a, b) -> a.getLabel().compareTo(b.getLabel()))
                    .map(LabelScore::getLogit)
                    .forEach(out::add));
    return out;
  }

  static double maxDifference(List<Float> a, List<Float> b) {
    double max = 0;
    for (int i = 0; i < a.size(); i++) {
      max = Math.max(max, Math.abs(a.get(i) - b.get(i)));
    }
    return max;
  }

  static void assertClose(List<Float> expected, List<Float> actual, String what, String version) {
    assertEquals(expected.size(), actual.size(), what);
    assertTrue(
        maxDifference(expected, actual) < 1e-3,
        what
            + ": "
            + actual
            + " are not the logits of a call pinned to "
            + version
            + ", "
            + expected);
  }
}
