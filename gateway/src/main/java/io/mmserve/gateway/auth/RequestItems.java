package io.mmserve.gateway.auth;

import io.mmserve.api.v1.ClassifyRequest;
import io.mmserve.api.v1.DeleteRequest;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.MatchRequest;
import io.mmserve.api.v1.RankRequest;
import io.mmserve.api.v1.ScoreRequest;
import io.mmserve.api.v1.UpsertRequest;

/**
 * How many items a request counts against a key's items per second: the inputs the gateway has to
 * encode, score or store. Every call counts at least 1 (an empty request is refused later, but not
 * for free).
 *
 * <table>
 *   <tr><th>method</th><th>items</th></tr>
 *   <tr><td>EmbedText</td><td>texts</td></tr>
 *   <tr><td>EmbedImage</td><td>images</td></tr>
 *   <tr><td>Classify</td><td>images (each scored against every label; labels' embeddings are
 *       cached)</td></tr>
 *   <tr><td>Rank</td><td>1 (the query) + candidates</td></tr>
 *   <tr><td>Match</td><td>pairs</td></tr>
 *   <tr><td>Score</td><td>images + texts + image and text embeddings given</td></tr>
 *   <tr><td>Upsert</td><td>items</td></tr>
 *   <tr><td>Delete</td><td>ids (1 to drop a collection)</td></tr>
 *   <tr><td>Search, ListCollections, anything else</td><td>1</td></tr>
 * </table>
 *
 * Stateless.
 */
public final class RequestItems {
  private RequestItems() {}

  /** The items {@code request} counts, at least 1. */
  public static int count(Object request) {
    int n =
        switch (request) {
          case EmbedTextRequest r -> r.getTextsCount();
          case EmbedImageRequest r -> r.getImagesCount();
          case ClassifyRequest r -> r.getImagesCount();
          case RankRequest r ->
              1 + r.getCandidateTexts().getTextsCount() + r.getCandidateImages().getImagesCount();
          case MatchRequest r -> r.getPairsCount();
          case ScoreRequest r ->
              r.getImagesCount()
                  + r.getTextsCount()
                  + r.getImageEmbeddingsCount()
                  + r.getTextEmbeddingsCount();
          case UpsertRequest r -> r.getItemsCount();
          case DeleteRequest r -> r.getIdsCount();
          default -> 1;
        };
    return Math.max(1, n);
  }
}
