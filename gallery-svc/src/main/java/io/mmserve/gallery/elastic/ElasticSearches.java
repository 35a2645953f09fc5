package io.mmserve.gallery.elastic;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.mmserve.gallery.index.MetadataFilter;
import io.mmserve.gallery.index.SearchQuery;
import io.mmserve.gallery.index.SearchResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.lucene.util.VectorUtil;

/**
 * The two searches of one collection's index, on the caller's thread. Either way the score is the
 * cosine with the item's float vector, and hits come best first (ties by id).
 *
 * <ul>
 *   <li>Approximate: a {@code knn} query (HNSW over the int8 vectors, top_k x {@link
 *       ElasticSettings#numCandidatesFactor()} candidates per shard) with the metadata filter
 *       inside it, so the graph search only visits items that pass (filtered kNN, not a post
 *       filter); the best candidates are re-scored with their float vectors ({@code
 *       rescore_vector}). Elasticsearch scores cosine as (1 + cos) / 2; this turns it back.
 *   <li>Exact: the vector of every item that passes the filter is read in pages sorted by id, and
 *       compared here; the best items' metadata is read afterwards. Elasticsearch's own exact
 *       search is a Painless {@code script_score}, and the distribution the tests run has no
 *       Painless; reading the vectors works on every cluster, at the cost of moving them (about 10
 *       bytes a dimension in JSON), so it suits small or filtered sets.
 * </ul>
 */
final class ElasticSearches {
  /** What a hit returns of its document's source. */
  private static final List<String> HIT_FIELDS =
      List.of(ElasticMappings.METADATA, ElasticMappings.STORED);

  /** Items read per page of an exact search. */
  static final int EXACT_PAGE = 1000;

  private static final Comparator<io.mmserve.gallery.index.Hit> BEST_FIRST =
      Comparator.comparingDouble((io.mmserve.gallery.index.Hit h) -> -h.score())
          .thenComparing(io.mmserve.gallery.index.Hit::id);

  @SuppressWarnings("rawtypes")
  private static final Class<Map> SOURCE = Map.class;

  private final ElasticsearchClient client;
  private final ElasticSettings settings;

  ElasticSearches(ElasticsearchClient client, ElasticSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  SearchResult search(String index, SearchQuery query) throws IOException {
    return query.exact() ? exact(index, query) : approximate(index, query);
  }

  private SearchResult approximate(String index, SearchQuery query) throws IOException {
    int k = query.topK();
    int candidates =
        (int)
            Math.min(
                ElasticSettings.MAX_NUM_CANDIDATES,
                Math.max(k, (long) k * settings.numCandidatesFactor()));
    List<Float> vector = boxed(query.vector());
    List<Query> filters = filters(query.filter());
    SearchResponse<Map> response =
        client.search(
            s ->
                s.index(index)
                    .size(k)
                    .query(
                        q ->
                            q.knn(
                                knn ->
                                    knn.field(ElasticMappings.VECTOR)
                                        .queryVector(vector)
                                        .k(k)
                                        .numCandidates(candidates)
                                        .filter(filters)
                                        .rescoreVector(
                                            r ->
                                                r.oversample(
                                                    (float) settings.rescoreOversample()))))
                    .source(src -> src.filter(f -> f.includes(HIT_FIELDS))),
            SOURCE);
    List<io.mmserve.gallery.index.Hit> hits = new ArrayList<>();
    for (Hit<Map> hit : response.hits().hits()) {
      float cosine = (float) (2 * hit.score() - 1);
      hits.add(
          new io.mmserve.gallery.index.Hit(
              hit.id(), cosine, metadata(hit), ElasticDocuments.thumbnail(hit.source())));
    }
    hits.sort(BEST_FIRST);
    return new SearchResult(hits, false);
  }

  private SearchResult exact(String index, SearchQuery query) throws IOException {
    float[] q = query.vector();
    List<Query> filters = filters(query.filter());
    PriorityQueue<io.mmserve.gallery.index.Hit> best = new PriorityQueue<>(BEST_FIRST.reversed());
    List<FieldValue> after = null;
    while (true) {
      List<FieldValue> from = after;
      SearchResponse<Map> page =
          client.search(
              s -> {
                s.index(index)
                    .size(EXACT_PAGE)
                    .query(x -> x.bool(b -> b.filter(filters)))
                    .sort(o -> o.field(f -> f.field(ElasticMappings.ID).order(SortOrder.Asc)))
                    .source(src -> src.filter(f -> f.includes(ElasticMappings.VECTOR)))
                    .trackTotalHits(t -> t.enabled(false));
                if (from != null) {
                  s.searchAfter(from);
                }
                return s;
              },
              SOURCE);
      List<Hit<Map>> hits = page.hits().hits();
      for (Hit<Map> hit : hits) {
        @SuppressWarnings("unchecked")
        Map<String, Object> source = hit.source();
        float score = VectorUtil.dotProduct(q, ElasticDocuments.vector(source));
        offer(best, query.topK(), new io.mmserve.gallery.index.Hit(hit.id(), score, Map.of()));
      }
      if (hits.size() < EXACT_PAGE) {
        break;
      }
      after = hits.getLast().sort();
    }
    List<io.mmserve.gallery.index.Hit> top = new ArrayList<>(best);
    top.sort(BEST_FIRST);
    return new SearchResult(withSources(index, top), true);
  }

  /**
   * The hits with what their documents hold besides the vector, read by id once the best are known
   * (the scan reads only vectors).
   */
  private List<io.mmserve.gallery.index.Hit> withSources(
      String index, List<io.mmserve.gallery.index.Hit> top) throws IOException {
    if (top.isEmpty()) {
      return top;
    }
    List<String> ids = top.stream().map(io.mmserve.gallery.index.Hit::id).toList();
    SearchResponse<Map> found =
        client.search(
            s ->
                s.index(index)
                    .size(ids.size())
                    .query(x -> x.ids(i -> i.values(ids)))
                    .source(src -> src.filter(f -> f.includes(HIT_FIELDS))),
            SOURCE);
    Map<String, Hit<Map>> byId = new java.util.HashMap<>();
    found.hits().hits().forEach(h -> byId.put(h.id(), h));
    List<io.mmserve.gallery.index.Hit> hits = new ArrayList<>(top.size());
    for (io.mmserve.gallery.index.Hit h : top) {
      Hit<Map> hit = byId.get(h.id());
      if (hit != null) { // else deleted since the scan
        hits.add(
            new io.mmserve.gallery.index.Hit(
                h.id(), h.score(), metadata(hit), ElasticDocuments.thumbnail(hit.source())));
      }
    }
    return hits;
  }

  /** The filter's conditions as term queries on the flattened metadata field. */
  static List<Query> filters(MetadataFilter filter) {
    List<Query> queries = new ArrayList<>();
    for (MetadataFilter.Condition c : filter.conditions()) {
      List<FieldValue> values = c.values().stream().sorted().map(FieldValue::of).toList();
      String field = ElasticMappings.METADATA + "." + c.key();
      queries.add(Query.of(q -> q.terms(t -> t.field(field).terms(v -> v.value(values)))));
    }
    return queries;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> metadata(Hit<Map> hit) {
    return ElasticDocuments.metadata(hit.source());
  }

  private static void offer(
      PriorityQueue<io.mmserve.gallery.index.Hit> best,
      int k,
      io.mmserve.gallery.index.Hit candidate) {
    if (best.size() < k) {
      best.add(candidate);
    } else if (BEST_FIRST.compare(candidate, best.peek()) < 0) {
      best.poll();
      best.add(candidate);
    }
  }

  private static List<Float> boxed(float[] vector) {
    List<Float> values = new ArrayList<>(vector.length);
    for (float v : vector) {
      values.add(v);
    }
    return values;
  }
}
