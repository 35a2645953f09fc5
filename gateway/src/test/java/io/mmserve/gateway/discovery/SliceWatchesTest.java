package io.mmserve.gateway.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SliceWatchesTest {
  private final List<FakeSliceWatch> opened = new ArrayList<>();
  private final SliceWatches watches =
      new SliceWatches(
          (service, namespace) -> {
            FakeSliceWatch watch = new FakeSliceWatch();
            opened.add(watch);
            return watch;
          });

  @Test
  void acquire_opensOneStartedWatchPerService() throws Exception {
    SliceWatches.Lease text = watches.acquire("text", "mmserve");
    SliceWatches.Lease textAgain = watches.acquire("text", "mmserve");
    SliceWatches.Lease vision = watches.acquire("vision", "mmserve");

    assertSame(text.watch(), textAgain.watch());
    assertEquals(2, opened.size());
    assertTrue(opened.stream().allMatch(w -> w.started));
    assertEquals(2, watches.watched());
  }

  @Test
  void leaseClosedTwice_countsOnce() throws Exception {
    SliceWatches.Lease first = watches.acquire("text", "mmserve");
    SliceWatches.Lease second = watches.acquire("text", "mmserve");

    first.close();
    first.close();

    assertEquals(1, watches.watched());
    second.close();
    assertEquals(0, watches.watched());
    assertTrue(opened.getFirst().closed);
  }

  @Test
  void afterTheLastLease_theNextAcquireOpensANewWatch() throws Exception {
    watches.acquire("text", "mmserve").close();

    SliceWatches.Lease again = watches.acquire("text", "mmserve");

    assertEquals(2, opened.size());
    assertSame(opened.get(1), again.watch());
  }

  @Test
  void close_closesEveryWatch_andRefusesNewLeases() throws Exception {
    watches.acquire("text", "mmserve");
    watches.acquire("fusion", "mmserve");

    watches.close();

    assertTrue(opened.stream().allMatch(w -> w.closed));
    assertThrows(IllegalStateException.class, () -> watches.acquire("text", "mmserve"));
  }
}
