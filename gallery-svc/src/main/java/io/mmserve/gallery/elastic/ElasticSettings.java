package io.mmserve.gallery.elastic;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How the Elasticsearch backend reaches its cluster and lays out and searches its indices.
 *
 * @param urls the cluster's HTTP endpoints ({@code http://host:port}), at least one; the client
 *     spreads requests over them and skips those that fail
 * @param indexPrefix each collection is the index {@code indexPrefix + name}; two gallery-svc
 *     deployments sharing a cluster use different prefixes
 * @param connectTimeout how long opening a connection may take
 * @param requestTimeout how long one request may wait for its answer (socket timeout)
 * @param numCandidatesFactor a kNN search considers top_k x this many candidates per shard (at most
 *     {@value #MAX_NUM_CANDIDATES}, Elasticsearch's limit)
 * @param rescoreOversample the top_k x this many best quantized candidates are re-scored with their
 *     float vectors on the server (Elasticsearch's {@code rescore_vector})
 * @param shards primary shards of a new collection's index
 * @param replicas replicas of each shard of a new collection's index
 */
public record ElasticSettings(
    List<URI> urls,
    String indexPrefix,
    Duration connectTimeout,
    Duration requestTimeout,
    int numCandidatesFactor,
    double rescoreOversample,
    int shards,
    int replicas) {
  public static final String DEFAULT_URL = "http://127.0.0.1:9200";
  public static final String DEFAULT_INDEX_PREFIX = "mmserve-gallery-";
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_NUM_CANDIDATES_FACTOR = 10;
  public static final double DEFAULT_RESCORE_OVERSAMPLE = 4;
  public static final int DEFAULT_SHARDS = 1;
  public static final int DEFAULT_REPLICAS = 1;

  /** Elasticsearch's largest num_candidates. */
  public static final int MAX_NUM_CANDIDATES = 10_000;

  /** What an index prefix may be: lower case, as Elasticsearch index names must be. */
  public static final Pattern INDEX_PREFIX = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,99}");

  public ElasticSettings {
    urls = List.copyOf(urls);
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("at least one Elasticsearch URL is required");
    }
    for (URI url : urls) {
      if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
          || url.getHost() == null) {
        throw new IllegalArgumentException(
            "an Elasticsearch URL must be http(s)://host[:port], but was " + url);
      }
    }
    if (!INDEX_PREFIX.matcher(indexPrefix).matches()) {
      throw new IllegalArgumentException(
          "the index prefix must match " + INDEX_PREFIX + ", but was '" + indexPrefix + "'");
    }
    if (numCandidatesFactor < 1 || !(rescoreOversample >= 1) || shards < 1 || replicas < 0) {
      throw new IllegalArgumentException(
          "numCandidatesFactor >= 1, rescoreOversample >= 1, shards >= 1 and replicas >= 0");
    }
  }

  /** The URLs as one string, for messages. */
  public String urlList() {
    return String.join(",", urls.stream().map(URI::toString).toList());
  }
}
