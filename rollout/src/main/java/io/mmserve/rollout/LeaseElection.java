package io.mmserve.rollout;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: the
 * holder renews the Lease every retry period; another candidate takes it over only when the Lease
 * has not changed for a whole lease duration <em>by its own clock</em> (it never compares its clock
 * with the holder's timestamps), and every write carries the Lease's resourceVersion, so of two
 * candidates only one wins. A leader that cannot renew stops counting itself leader after the renew
 * deadline (shorter than the lease duration), before anyone else may take over.
 *
 * <p>{@link #tryAcquireOrRenew} does one round and is called by the controller's thread (one thread
 * at a time); {@link #isLeader} may be called from any thread. {@link #release} gives the Lease up
 * on a graceful stop, so a successor need not wait out the duration.
 */
public final class LeaseElection {
  private static final Logger log = LoggerFactory.getLogger(LeaseElection.class);

  private final CoordinationV1Api api;
  private final String namespace;
  private final String name;
  private final String identity;
  private final Duration leaseDuration;
  private final Duration renewDeadline;
  private final Clock clock;
  private String observedRecord = "";
  private Instant observedAt = Instant.MIN;
  private volatile Instant leaderUntil = Instant.MIN;

  /**
   * @param identity this candidate's name in the Lease (for example its pod name); unique
   * @param leaseDuration how long others wait for an unchanged Lease before taking it
   * @param renewDeadline how long after its last renewal a leader still acts; below {@code
   *     leaseDuration}
   */
  public LeaseElection(
      ApiClient client,
      String namespace,
      String name,
      String identity,
      Duration leaseDuration,
      Duration renewDeadline,
      Clock clock) {
    if (renewDeadline.compareTo(leaseDuration) >= 0) {
      throw new IllegalArgumentException(
          "the renew deadline "
              + renewDeadline
              + " must be shorter than the lease duration "
              + leaseDuration);
    }
    this.api = new CoordinationV1Api(client);
    this.namespace = namespace;
    this.name = name;
    this.identity = identity;
    this.leaseDuration = leaseDuration;
    this.renewDeadline = renewDeadline;
    this.clock = clock;
  }

  public String identity() {
    return identity;
  }

  /** Whether this candidate holds the Lease and renewed it within the renew deadline. */
  public boolean isLeader() {
    return clock.instant().isBefore(leaderUntil);
  }

  /**
   * One round: creates the Lease if there is none, renews it if this candidate holds it, takes it
   * over if it is free or expired; otherwise notes what it saw.
   *
   * @return whether this candidate is leader now
   */
  public boolean tryAcquireOrRenew() {
    boolean was = isLeader();
    boolean now;
    try {
      now = round();
    } catch (ApiException e) {
      log.warn(
          "rollout: Lease {}/{}: HTTP {} {} (retrying)",
          namespace,
          name,
          e.getCode(),
          e.getResponseBody() != null ? e.getResponseBody() : e.getMessage());
      now = isLeader();
    }
    if (now != was) {
      log.info(
          "rollout: {} {} the leader (Lease {}/{})",
          identity,
          now ? "became" : "is no longer",
          namespace,
          name);
    }
    return now;
  }

  private boolean round() throws ApiException {
    Instant now = clock.instant();
    V1Lease lease;
    try {
      lease = api.readNamespacedLease(name, namespace).execute();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      return create(now);
    }
    V1LeaseSpec spec = Objects.requireNonNullElseGet(lease.getSpec(), V1LeaseSpec::new);
    String holder = Objects.requireNonNullElse(spec.getHolderIdentity(), "");
    String record = holder + "@" + spec.getRenewTime() + "#" + spec.getLeaseTransitions();
    if (!record.equals(observedRecord)) {
      observedRecord = record;
      observedAt = now;
    }
    boolean mine = holder.equals(identity);
    if (!mine && !holder.isEmpty() && now.isBefore(observedAt.plus(leaseDuration))) {
      leaderUntil = Instant.MIN;
      return false;
    }
    if (!mine) {
      spec.setLeaseTransitions(
          Objects.requireNonNullElse(spec.getLeaseTransitions(), 0) + (holder.isEmpty() ? 0 : 1));
      spec.setAcquireTime(now.atOffset(ZoneOffset.UTC));
    }
    spec.holderIdentity(identity)
        .leaseDurationSeconds((int) Math.max(1, leaseDuration.toSeconds()))
        .renewTime(now.atOffset(ZoneOffset.UTC));
    lease.setSpec(spec);
    try {
      api.replaceNamespacedLease(name, namespace, lease).execute();
    } catch (ApiException e) {
      if (e.getCode() == 409) {
        return false; // another candidate wrote first; look again next round
      }
      throw e;
    }
    leaderUntil = now.plus(renewDeadline);
    return true;
  }

  private boolean create(Instant now) throws ApiException {
    V1Lease lease =
        new V1Lease()
            .metadata(new V1ObjectMeta().name(name).namespace(namespace))
            .spec(
                new V1LeaseSpec()
                    .holderIdentity(identity)
                    .leaseDurationSeconds((int) Math.max(1, leaseDuration.toSeconds()))
                    .acquireTime(now.atOffset(ZoneOffset.UTC))
                    .renewTime(now.atOffset(ZoneOffset.UTC))
                    .leaseTransitions(0));
    try {
      api.createNamespacedLease(namespace, lease).execute();
    } catch (ApiException e) {
      if (e.getCode() == 409) {
        return false; // another candidate created it first
      }
      throw e;
    }
    leaderUntil = now.plus(renewDeadline);
    return true;
  }

  /**
   * Gives the Lease up if this candidate holds it (empties its holder), so another takes over at
   * its next round. Errors are logged: the Lease then expires by itself.
   */
  public void release() {
    if (!isLeader()) {
      return;
    }
    leaderUntil = Instant.MIN;
    try {
      V1Lease lease = api.readNamespacedLease(name, namespace).execute();
      if (lease.getSpec() != null && identity.equals(lease.getSpec().getHolderIdentity())) {
        lease.getSpec().holderIdentity(null).leaseDurationSeconds(1);
        api.replaceNamespacedLease(name, namespace, lease).execute();
        log.info("rollout: {} released Lease {}/{}", identity, namespace, name);
      }
    } catch (ApiException e) {
      log.warn("rollout: could not release Lease {}/{}: HTTP {}", namespace, name, e.getCode());
    }
  }
}
