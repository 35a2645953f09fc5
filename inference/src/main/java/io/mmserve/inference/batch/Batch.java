package io.mmserve.inference.batch;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Items of one key that go to the backend in one call, with the requests they belong to.
 *
 * @param slots the items, in queue order (a request's items are next to each other, in order)
 */
record Batch<K, I, O>(K key, List<Slot<I, O>> slots) {

  List<I> items() {
    List<I> items = new ArrayList<>(slots.size());
    slots.forEach(slot -> items.add(slot.item()));
    return items;
  }

  /** The distinct requests of the batch, in order. */
  List<Request<O>> requests() {
    List<Request<O>> requests = new ArrayList<>();
    for (Slot<I, O> slot : slots) {
      if (requests.isEmpty() || requests.get(requests.size() - 1) != slot.request()) {
        requests.add(slot.request());
      }
    }
    return requests;
  }

  /** The latest deadline among the requests. */
  long latestDeadline() {
    long deadline = Long.MIN_VALUE;
    for (Slot<I, O> slot : slots) {
      deadline = Math.max(deadline, slot.request().deadlineNanos);
    }
    return deadline;
  }

  /** For each item, its index in its request. */
  int[] indices() {
    return slots.stream().mapToInt(Slot::index).toArray();
  }

  /** One batch per request, in order. */
  List<Batch<K, I, O>> splitByRequest() {
    Map<Request<O>, List<Slot<I, O>>> byRequest = new IdentityHashMap<>();
    List<Request<O>> order = new ArrayList<>();
    for (Slot<I, O> slot : slots) {
      byRequest
          .computeIfAbsent(
              slot.request(),
              r -> {
                order.add(r);
                return new ArrayList<>();
              })
          .add(slot);
    }
    List<Batch<K, I, O>> out = new ArrayList<>(order.size());
    order.forEach(r -> out.add(new Batch<>(key, byRequest.get(r))));
    return out;
  }

  /**
   * Cancels the call once every request of the batch has its outcome without it (their callers'
   * deadlines passed or they cancelled), so the backend stops working for nobody.
   */
  void cancelWhenNobodyWaits(CompletableFuture<?> answer) {
    List<Request<O>> requests = requests();
    AtomicInteger waiting = new AtomicInteger(requests.size());
    for (Request<O> request : requests) {
      request.future.whenComplete(
          (r, t) -> {
            if (waiting.decrementAndGet() == 0 && !answer.isDone()) {
              answer.cancel(false);
            }
          });
    }
  }

  /** Hands each item its result; a wrong number of results fails every request. */
  void deliver(String batcher, List<O> results) {
    if (results == null || results.size() != slots.size()) {
      IllegalStateException e =
          new IllegalStateException(
              batcher
                  + ": backend returned "
                  + (results == null ? "no" : results.size())
                  + " results for "
                  + slots.size()
                  + " items");
      slots.forEach(s -> s.request().fail(e));
      return;
    }
    for (int i = 0; i < results.size(); i++) {
      Slot<I, O> slot = slots.get(i);
      slot.request().complete(slot.index(), results.get(i));
    }
  }
}
