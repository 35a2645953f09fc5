package io.mmserve.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

class VersionRouterTest {
  /** Draws 0, 1, ..., 99, 0, ... : over 100 requests exactly {@code weight} go to the canary. */
  private static IntUnaryOperator everyBucketInTurn() {
    AtomicInteger next = new AtomicInteger();
    return n -> next.getAndIncrement() % n;
  }

  private static String versionOf(VersionRouter router, String model, Optional<String> key) {
    return router.route(model, key).orElseThrow().version();
  }

  @Test
  void withoutKey_theCanaryGetsExactlyItsWeightOfTheDraws() {
    VersionRouter router = new VersionRouter("shapes-clip", everyBucketInTurn());
    router.apply("shapes-clip", "1.0.0", "1.1.0-int8", 30);

    int canary = 0;
    for (int i = 0; i < 100; i++) {
      VersionRouter.RoutedVersion routed = router.route("", Optional.empty()).orElseThrow();
      assertEquals("shapes-clip", routed.model());
      if (routed.canary()) {
        assertEquals("shapes-clip@1.1.0-int8", routed.pinned());
        canary++;
      }
    }

    assertEquals(30, canary);
  }

  @Test
  void aKey_alwaysGetsTheSameVersion_andStaysOnTheCanaryAsTheWeightGrows() {
    VersionRouter router = new VersionRouter("shapes-clip", n -> 99); // draws would say stable
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      keys.add("user-" + i);
    }
    List<String> onCanary = new ArrayList<>();
    for (int weight : new int[] {5, 25, 50, 100}) {
      router.apply("shapes-clip", "1.0.0", "1.1.0-int8", weight);
      List<String> now = new ArrayList<>();
      for (String key : keys) {
        String version = versionOf(router, "shapes-clip", Optional.of(key));
        assertEquals(version, versionOf(router, "shapes-clip", Optional.of(key)), key);
        assertEquals(RouteKeys.bucket(key) < weight ? "1.1.0-int8" : "1.0.0", version, key);
        if (version.equals("1.1.0-int8")) {
          now.add(key);
        }
      }
      assertTrue(now.containsAll(onCanary), "a key left the canary when the weight rose");
      // about the weight's share of 500 keys (binomial, 4.5 sigma)
      double sigma = Math.sqrt(500 * weight / 100.0 * (1 - weight / 100.0));
      assertTrue(
          Math.abs(now.size() - 500 * weight / 100.0) <= 4.5 * sigma + 1e-9,
          weight + "%: " + now.size() + " of 500 keys");
      onCanary = now;
    }
    assertEquals(500, onCanary.size());
  }

  @Test
  void aRequestNamingAVersion_isNotRouted() {
    VersionRouter router = new VersionRouter("shapes-clip", everyBucketInTurn());
    router.apply("shapes-clip", "1.0.0", "1.1.0-int8", 100);

    assertEquals(Optional.empty(), router.route("shapes-clip@1.0.0", Optional.of("user-1")));
    assertEquals(Optional.empty(), router.route("shapes-clip@1.0.0", Optional.empty()));
  }

  @Test
  void aModelWithoutSplit_passesUnchanged_andAnEmptyModelCountsAsTheDefault() {
    VersionRouter router = new VersionRouter("shapes-clip", everyBucketInTurn());
    assertEquals(Optional.empty(), router.route("", Optional.empty()));

    router.apply("shapes-clip", "1.0.0", "", 0);

    assertEquals(Optional.empty(), router.route("other-model", Optional.empty()));
    assertEquals("shapes-clip@1.0.0", router.route("", Optional.empty()).orElseThrow().pinned());
    assertFalse(router.route("shapes-clip", Optional.empty()).orElseThrow().canary());
    assertEquals(Optional.empty(), new VersionRouter("", n -> 0).route("", Optional.empty()));
  }

  @Test
  void applyTakesEffectForTheNextRequest_andRemoveStopsRouting() {
    VersionRouter router = new VersionRouter("shapes-clip", n -> 10);
    router.apply("shapes-clip", "1.0.0", "1.1.0-int8", 10);
    assertEquals("1.0.0", versionOf(router, "shapes-clip", Optional.empty()));

    router.apply("shapes-clip", "1.0.0", "1.1.0-int8", 11);
    assertEquals("1.1.0-int8", versionOf(router, "shapes-clip", Optional.empty()));

    router.apply("shapes-clip", "1.1.0-int8", "", 0); // promoted
    assertEquals("1.1.0-int8", versionOf(router, "shapes-clip", Optional.of("anyone")));

    router.remove("shapes-clip");
    assertEquals(Optional.empty(), router.route("shapes-clip", Optional.empty()));
  }

  @Test
  void badSplits_areRefusedNamingThePart_andTheOldSplitStays() {
    VersionRouter router = new VersionRouter("shapes-clip", n -> 0);
    router.apply("shapes-clip", "1.0.0", "1.1.0-int8", 0);

    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> router.apply("shapes-clip", "1.0.0", "1.1.0-int8", 101))
            .getMessage()
            .contains("canaryPercent must be in 0..100, but was 101"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> router.apply("shapes-clip", "1.0.0", "", 5))
            .getMessage()
            .contains("no canaryVersion"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> router.apply("shapes-clip", "", "1.1.0-int8", 5))
            .getMessage()
            .contains("stableVersion must be"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> router.apply("shapes-clip@1", "1.0.0", "1.1.0-int8", 5))
            .getMessage()
            .contains("model must be"));
    assertThrows(
        IllegalArgumentException.class, () -> router.apply("shapes-clip", "1.0.0", "1.0.0", 5));

    assertEquals(
        new VersionSplit("shapes-clip", "1.0.0", "1.1.0-int8", 0),
        router.split("shapes-clip").orElseThrow());
  }

  @Test
  void bucket_isStableAndSpread() {
    assertEquals(RouteKeys.bucket("user-42"), RouteKeys.bucket("user-42"));
    int[] counts = new int[100];
    for (int i = 0; i < 10_000; i++) {
      counts[RouteKeys.bucket("session-" + i)]++;
    }
    for (int b = 0; b < 100; b++) {
      // 100 expected per bucket; 4.5 sigma of binomial(10000, 0.01) is 45
      assertTrue(Math.abs(counts[b] - 100) <= 45, "bucket " + b + ": " + counts[b]);
    }
  }
}
