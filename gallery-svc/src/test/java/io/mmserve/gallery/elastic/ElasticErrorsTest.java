package io.mmserve.gallery.elastic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.FailedPreconditionException;
import io.mmserve.kit.errors.MmserveException;
import io.mmserve.kit.errors.NotFoundException;
import io.mmserve.kit.errors.OverloadedException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ElasticErrorsTest {
  private final ElasticErrors errors = new ElasticErrors("http://es-0:9200");

  @Test
  void unreachable_isBackendUnavailableNamingTheUrlAndTheCall() {
    MmserveException e =
        errors.unreachable("the search of collection 'shapes'", new ConnectException("refused"));

    assertInstanceOf(BackendUnavailableException.class, e);
    assertEquals(
        "Elasticsearch at http://es-0:9200 is unreachable (ConnectException: refused) during the"
            + " search of collection 'shapes'",
        e.getMessage());
  }

  @Test
  void rejected_missingIndex_isTheCollectionsNotFound() {
    MmserveException e =
        errors.rejected("x", "shapes", 404, "index_not_found_exception", "no such index", null);

    assertInstanceOf(NotFoundException.class, e);
    assertEquals("collection 'shapes' does not exist", e.getMessage());
  }

  @Test
  void rejected_tooManyRequests_isOverloaded() {
    assertInstanceOf(
        OverloadedException.class,
        errors.rejected("x", "shapes", 429, "es_rejected_execution_exception", "queue full", null));
  }

  @Test
  void rejected_serverError_isBackendUnavailable() {
    assertInstanceOf(
        BackendUnavailableException.class,
        errors.rejected("x", "shapes", 503, "unavailable_shards_exception", "no shard", null));
  }

  @Test
  void rejected_otherRefusal_isFailedPreconditionWithTypeAndReason() {
    MmserveException e =
        errors.rejected(
            "the upsert into collection 'shapes'",
            "shapes",
            403,
            "cluster_block_exception",
            "index [mmserve-gallery-shapes] blocked by: [FORBIDDEN/8/index write (api)]",
            null);

    assertInstanceOf(FailedPreconditionException.class, e);
    assertEquals(
        "Elasticsearch at http://es-0:9200 rejected the upsert into collection 'shapes':"
            + " cluster_block_exception (index [mmserve-gallery-shapes] blocked by:"
            + " [FORBIDDEN/8/index write (api)])",
        e.getMessage());
  }
}
