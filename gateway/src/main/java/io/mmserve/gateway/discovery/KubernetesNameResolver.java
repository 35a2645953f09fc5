package io.mmserve.gateway.discovery;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.mmserve.kit.client.NameResolvers;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a {@code kubernetes:///service.namespace:port} target for one channel: listens to the
 * shared watch of the Service's EndpointSlices and hands the channel the ready endpoints (see
 * {@link ReadyEndpoints}) whenever they change, at once, each as one address group named {@code
 * ip:port} ({@link NameResolvers#ENDPOINT_NAME}). An endpoint that leaves the list gets no new
 * calls; the channel's load balancer lets its calls in flight finish.
 *
 * <p>API errors never change the list: once the first list is in, the endpoints last seen stay
 * while the API server is away. Before that, an error fails the channel's calls with UNAVAILABLE
 * naming the cause. A Service whose slices list no ready endpoint resolves to an empty list.
 *
 * <p>Runs in the channel's synchronization context; the watch's thread only hands work to it.
 */
final class KubernetesNameResolver extends NameResolver {
  private static final Logger log = LoggerFactory.getLogger(KubernetesNameResolver.class);

  private final KubernetesTarget target;
  private final SliceWatches watches;
  private final DiscoveryMetrics metrics;
  private final SynchronizationContext sync;
  private final Executor offload;
  private final SliceWatch.Listener slices = new Slices();

  // only touched in the synchronization context
  private Listener2 listener;
  private SliceWatches.Lease lease;
  private List<Endpoint> resolved; // null until the first list is in
  private Status error;
  private boolean shutdown;

  KubernetesNameResolver(
      KubernetesTarget target, SliceWatches watches, DiscoveryMetrics metrics, Args args) {
    this.target = target;
    this.watches = watches;
    this.metrics = metrics;
    this.sync = args.getSynchronizationContext();
    Executor executor = args.getOffloadExecutor();
    this.offload = executor != null ? executor : Runnable::run;
  }

  @Override
  public String getServiceAuthority() {
    return target.authority();
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    listen();
  }

  /** Joins the Service's watch; a watch that cannot be opened is an error the channel sees. */
  private void listen() {
    try {
      lease = watches.acquire(target.service(), target.namespace());
    } catch (Exception e) {
      fail("cannot watch the Kubernetes API for " + target.uri() + ": " + e.getMessage());
      return;
    }
    lease.watch().addListener(slices);
  }

  /** Gives the channel the endpoints known now again; asks the API nothing (the watch pushes). */
  @Override
  public void refresh() {
    if (shutdown) {
      return;
    }
    if (lease == null) {
      listen();
    } else if (resolved != null) {
      push(resolved);
    } else if (error != null) {
      listener.onResult2(
          ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromStatus(error)).build());
    }
  }

  private void update(List<Endpoint> endpoints) {
    if (shutdown || endpoints.equals(resolved)) {
      return;
    }
    log.info(
        "discovery: {} has {} ready endpoints {}",
        target.uri(),
        endpoints.size(),
        endpoints.stream().map(Endpoint::name).toList());
    resolved = endpoints;
    error = null;
    push(endpoints);
  }

  private void push(List<Endpoint> endpoints) {
    metrics.endpoints(target, endpoints.size());
    List<EquivalentAddressGroup> groups =
        endpoints.stream()
            .map(
                e ->
                    new EquivalentAddressGroup(
                        e.socketAddress(),
                        Attributes.newBuilder().set(NameResolvers.ENDPOINT_NAME, e.name()).build()))
            .toList();
    listener.onResult2(
        ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
  }

  /** An API error: the channel hears of it only while no list has come in. */
  private void fail(String message) {
    if (shutdown || resolved != null) {
      return;
    }
    error = Status.UNAVAILABLE.withDescription(message);
    listener.onResult2(
        ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromStatus(error)).build());
  }

  /** Leaves the watch; the last resolver of a Service stops its watch, off this thread. */
  @Override
  public void shutdown() {
    if (shutdown) {
      return;
    }
    shutdown = true;
    if (lease != null) {
      SliceWatches.Lease leaving = lease;
      leaving.watch().removeListener(slices);
      offload.execute(
          () -> {
            try {
              leaving.close();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
  }

  /** From the watch's thread into the synchronization context. */
  private final class Slices implements SliceWatch.Listener {
    @Override
    public void onSlices(List<V1EndpointSlice> slices) {
      List<Endpoint> endpoints = ReadyEndpoints.of(slices, target);
      sync.execute(() -> update(endpoints));
    }

    @Override
    public void onError(String message) {
      sync.execute(() -> fail(message));
    }
  }
}
