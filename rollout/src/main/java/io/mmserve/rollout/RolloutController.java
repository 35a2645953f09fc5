package io.mmserve.rollout;

import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollout controller: every analysis interval it runs a round of leader election and, while it
 * is the leader, reconciles every ModelRollout of its namespace: reads it, lets the {@link
 * StepMachine} decide, and writes the decision (the spec first at promotion, then the status
 * subresource). Everything it knows lives in the objects' status, so a new leader continues where
 * the old one stopped. A write that conflicts (the object changed since it was read) is dropped and
 * the next round reads again.
 *
 * <p>{@link #start} runs the rounds on one thread ({@code mmserve-rollout-controller}); {@link
 * #close} stops it and releases the Lease. {@link #reconcileAll} runs one round of reconciles on
 * the caller's thread, for tests.
 */
public final class RolloutController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RolloutController.class);

  private final RolloutStore store;
  private final StepMachine machine;
  private final LeaseElection election;
  private final Clock clock;
  private final Duration interval;
  private final ScheduledExecutorService thread;

  /**
   * @param interval how often the controller analyses and reconciles (the analysis interval)
   */
  public RolloutController(
      RolloutStore store,
      StepMachine machine,
      LeaseElection election,
      Clock clock,
      Duration interval) {
    this.store = store;
    this.machine = machine;
    this.election = election;
    this.clock = clock;
    this.interval = interval;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "mmserve-rollout-controller");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the rounds: one now, then one every interval. */
  public void start() {
    thread.scheduleWithFixedDelay(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void round() {
    try {
      if (election.tryAcquireOrRenew()) {
        reconcileAll();
      }
    } catch (RuntimeException e) {
      log.error("rollout: a reconcile round failed (next round in {})", interval, e);
    }
  }

  /** Reconciles every ModelRollout once; errors of one do not stop the others. */
  public void reconcileAll() {
    try {
      for (JsonObject object : store.list()) {
        if (!election.isLeader()) {
          return;
        }
        reconcile(object);
      }
    } catch (ApiException e) {
      log.warn("rollout: {}", e.getMessage());
    }
  }

  private void reconcile(JsonObject object) {
    ModelRollout rollout;
    try {
      rollout = RolloutJson.read(object);
    } catch (InvalidRolloutException e) {
      log.warn("rollout: skipped: {}", e.getMessage());
      return;
    }
    Decision decision = machine.decide(rollout, clock.instant());
    if (!decision.updatesObject() && decision.status().equals(rollout.status())) {
      return; // a finished rollout: nothing to write
    }
    try {
      JsonObject current = object.deepCopy();
      if (decision.updatesObject()) {
        if (decision.spec().isPresent()) {
          RolloutJson.writeSpec(current, decision.spec().get());
        }
        if (decision.clearAction()) {
          RolloutJson.clearAction(current);
        }
        current = store.update(current);
      }
      RolloutJson.writeStatus(current, decision.status());
      store.updateStatus(current);
      if (decision.status().phase() != rollout.status().phase()
          || decision.status().canaryWeight() != rollout.status().canaryWeight()) {
        log.info(
            "rollout: {} {} canary {} at {}% ({})",
            rollout.key(),
            decision.status().phase(),
            decision.status().canaryVersion().orElse("-"),
            decision.status().canaryWeight(),
            decision.status().conditions().stream()
                .filter(Condition::isTrue)
                .map(Condition::message)
                .findFirst()
                .orElse(""));
      }
    } catch (ApiException e) {
      if (e.getCode() == 409) {
        log.debug("rollout: {} changed while reconciling; reading it again", rollout.key());
      } else {
        log.warn("rollout: {}", e.getMessage());
      }
    }
  }

  /** Stops the rounds (waiting for one in progress) and releases the Lease. */
  @Override
  public void close() throws InterruptedException {
    thread.shutdownNow();
    if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
      log.warn("rollout: the controller thread did not stop within 10 s");
    }
    election.release();
  }
}
