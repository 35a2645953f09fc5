package io.mmserve.gallery.elastic;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.indices.GetMappingResponse;
import co.elastic.clients.json.jackson.Jackson3JsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import io.mmserve.gallery.index.CollectionInfo;
import io.mmserve.gallery.index.CollectionSpec;
import io.mmserve.gallery.index.Item;
import io.mmserve.gallery.index.SearchQuery;
import io.mmserve.gallery.index.SearchResult;
import io.mmserve.gallery.index.VectorIndex;
import io.mmserve.kit.errors.FailedPreconditionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster backend: one Elasticsearch index per collection ({@link
 * ElasticSettings#indexPrefix()} + name, laid out by {@link ElasticMappings}), through the official
 * Java client. The collection's spec lives in the index mapping's {@code _meta}, so every
 * gallery-svc replica and every restart sees the same collections; this class keeps no state of its
 * own.
 *
 * <p>Writes are bulk requests with {@code refresh=wait_for}: when one returns, the items are in
 * Elasticsearch's translog (fsynced per request, Elasticsearch's default durability) and visible to
 * searches. Creating an index is atomic in the cluster, so two replicas creating one collection at
 * once agree on its spec. A bulk write does not check that the index still exists: one racing the
 * drop of its collection can make Elasticsearch auto-create a bare index, which {@link
 * #ensureCollection} then refuses as not a collection; operators prevent that with the cluster
 * setting {@code action.auto_create_index: -PREFIX*,+*} (docs/kubernetes.md).
 *
 * <p>Thread-safe (the client is). Errors are the kit's exceptions ({@link ElasticErrors}). The
 * caller closes it, which closes the HTTP client.
 */
public final class ElasticIndex implements VectorIndex {
  /** The backend's name in listings. */
  public static final String BACKEND = "elasticsearch";

  private static final Logger log = LoggerFactory.getLogger(ElasticIndex.class);

  @SuppressWarnings("rawtypes")
  private static final Class<Map> SOURCE = Map.class;

  private final ElasticSettings settings;
  private final RestClient rest;
  private final ElasticsearchClient client;
  private final ElasticErrors errors;
  private final ElasticSearches searches;

  private ElasticIndex(ElasticSettings settings, RestClient rest) {
    this.settings = settings;
    this.rest = rest;
    this.client = new ElasticsearchClient(new RestClientTransport(rest, new Jackson3JsonpMapper()));
    this.errors = new ElasticErrors(settings.urlList());
    this.searches = new ElasticSearches(client, settings);
  }

  /** A client of the cluster; connects lazily, so an unreachable cluster fails calls, not this. */
  public static ElasticIndex open(ElasticSettings settings) {
    HttpHost[] hosts =
        settings.urls().stream()
            .map(u -> new HttpHost(u.getHost(), u.getPort(), u.getScheme()))
            .toArray(HttpHost[]::new);
    RestClient rest =
        RestClient.builder(hosts)
            .setRequestConfigCallback(
                c ->
                    c.setConnectTimeout((int) settings.connectTimeout().toMillis())
                        .setSocketTimeout((int) settings.requestTimeout().toMillis()))
            .build();
    return new ElasticIndex(settings, rest);
  }

  @Override
  public String backend() {
    return BACKEND;
  }

  @Override
  public Ensured ensureCollection(CollectionSpec spec) {
    String what = "the creation of collection '" + spec.name() + "'";
    try {
      client
          .indices()
          .create(
              c ->
                  c.index(indexOf(spec.name()))
                      .settings(
                          s ->
                              s.numberOfShards(Integer.toString(settings.shards()))
                                  .numberOfReplicas(Integer.toString(settings.replicas())))
                      .mappings(ElasticMappings.mapping(spec)));
      log.info(
          "created collection {} ({}, dimension {}) as index {}",
          spec.name(),
          spec.model(),
          spec.dimension(),
          indexOf(spec.name()));
      return new Ensured(spec, true);
    } catch (ElasticsearchException e) {
      if (e.error() == null || !"resource_already_exists_exception".equals(e.error().type())) {
        throw errors.rejected(what, spec.name(), e);
      }
    } catch (IOException e) {
      throw errors.unreachable(what, e);
    }
    CollectionSpec existing =
        describeSpec(spec.name())
            .orElseThrow(
                () ->
                    new FailedPreconditionException(
                        "the Elasticsearch index "
                            + indexOf(spec.name())
                            + " exists but is not a gallery collection (no _meta."
                            + ElasticMappings.META_COLLECTION
                            + "); choose another collection name or index prefix"));
    return new Ensured(existing, false);
  }

  @Override
  public Optional<CollectionInfo> describe(String collection) {
    return describeSpec(collection)
        .map(spec -> new CollectionInfo(spec, count(collection), BACKEND));
  }

  @Override
  public List<CollectionInfo> list() {
    GetMappingResponse mappings =
        call(
            "the listing of collections",
            "",
            () ->
                client
                    .indices()
                    .getMapping(g -> g.index(settings.indexPrefix() + "*").allowNoIndices(true)));
    Map<String, CollectionSpec> specs = new TreeMap<>();
    mappings
        .result()
        .forEach(
            (index, record) -> {
              String name = index.substring(settings.indexPrefix().length());
              ElasticMappings.spec(name, record.mappings().meta())
                  .ifPresent(spec -> specs.put(name, spec));
            });
    List<CollectionInfo> all = new ArrayList<>();
    specs.forEach((name, spec) -> all.add(new CollectionInfo(spec, count(name), BACKEND)));
    return all;
  }

  @Override
  public long upsert(String collection, List<Item> items) {
    List<BulkOperation> operations = new ArrayList<>(items.size());
    for (Item item : items) {
      operations.add(
          BulkOperation.of(
              o -> o.index(i -> i.id(item.id()).document(ElasticDocuments.toSource(item)))));
    }
    bulk("the upsert into collection '" + collection + "'", collection, operations);
    return count(collection);
  }

  @Override
  public int delete(String collection, Collection<String> ids) {
    List<BulkOperation> operations = new ArrayList<>(ids.size());
    for (String id : ids) {
      operations.add(BulkOperation.of(o -> o.delete(d -> d.id(id))));
    }
    BulkResponse response =
        bulk("the delete from collection '" + collection + "'", collection, operations);
    int deleted = 0;
    for (BulkResponseItem item : response.items()) {
      if ("deleted".equals(item.result())) {
        deleted++;
      }
    }
    return deleted;
  }

  @Override
  public SearchResult search(String collection, SearchQuery query) {
    return call(
        "the search of collection '" + collection + "'",
        collection,
        () -> searches.search(indexOf(collection), query));
  }

  @Override
  public long drop(String collection) {
    String what = "the drop of collection '" + collection + "'";
    describeSpec(collection)
        .orElseThrow(() -> io.mmserve.gallery.index.Gallery.notFound(collection));
    long size = count(collection);
    call(what, collection, () -> client.indices().delete(d -> d.index(indexOf(collection))));
    log.info("dropped collection {} ({} items)", collection, size);
    return size;
  }

  @Override
  public void close() {
    try {
      rest.close();
    } catch (IOException e) {
      log.warn("closing the Elasticsearch client failed", e);
    }
  }

  /** The index of a collection. */
  String indexOf(String collection) {
    return settings.indexPrefix() + collection;
  }

  private Optional<CollectionSpec> describeSpec(String collection) {
    String index = indexOf(collection);
    GetMappingResponse mapping;
    try {
      mapping = client.indices().getMapping(g -> g.index(index));
    } catch (ElasticsearchException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw errors.rejected("the description of collection '" + collection + "'", collection, e);
    } catch (IOException e) {
      throw errors.unreachable("the description of collection '" + collection + "'", e);
    }
    var record = mapping.result().get(index);
    return record == null
        ? Optional.empty()
        : ElasticMappings.spec(collection, record.mappings().meta());
  }

  private long count(String collection) {
    return call(
        "the count of collection '" + collection + "'",
        collection,
        () -> client.count(c -> c.index(indexOf(collection))).count());
  }

  private BulkResponse bulk(String what, String collection, List<BulkOperation> operations) {
    BulkResponse response =
        call(
            what,
            collection,
            () ->
                client.bulk(
                    b ->
                        b.index(indexOf(collection))
                            .refresh(Refresh.WaitFor)
                            .operations(operations)));
    if (response.errors()) {
      for (BulkResponseItem item : response.items()) {
        if (item.error() != null) {
          throw errors.rejected(
              what, collection, item.status(), item.error().type(), item.error().reason(), null);
        }
      }
    }
    return response;
  }

  private <T> T call(String what, String collection, ElasticCall<T> call) {
    try {
      return call.run();
    } catch (ElasticsearchException e) {
      throw errors.rejected(what, collection, e);
    } catch (IOException e) {
      throw errors.unreachable(what, e);
    }
  }

  /** One request to the cluster. */
  @FunctionalInterface
  private interface ElasticCall<T> {
    T run() throws IOException;
  }
}
