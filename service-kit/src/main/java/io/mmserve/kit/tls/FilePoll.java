package io.mmserve.kit.tls;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a set of {@link WatchedFiles} every interval on a scheduler the caller owns, until closed.
 * grpc-java's own file refresh of its key and trust managers is not used: it polls at most once a
 * minute, and it can put a new certificate beside the old key while a rotation is half written.
 */
final class FilePoll implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FilePoll.class);

  private final List<WatchedFiles> watched;
  private final ScheduledFuture<?> poll;

  FilePoll(List<WatchedFiles> watched, Duration interval, ScheduledExecutorService poller) {
    this.watched = List.copyOf(watched);
    long every = interval.toNanos();
    this.poll =
        poller.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.NANOSECONDS);
  }

  /**
   * Applies every set of files that changed; runs on the poller, and may be called directly
   * (tests).
   *
   * @return true if any new material is in use
   */
  boolean reloadIfChanged() {
    boolean changed = false;
    for (WatchedFiles files : watched) {
      try {
        changed |= files.reloadIfChanged();
      } catch (RuntimeException e) { // never end the poll
        log.warn("TLS files not reloaded", e);
      }
    }
    return changed;
  }

  /** Stops polling; the material applied last stays in use. */
  @Override
  public void close() {
    poll.cancel(false);
  }
}
