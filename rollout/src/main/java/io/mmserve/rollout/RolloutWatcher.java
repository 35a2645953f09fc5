package io.mmserve.rollout;

import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watchable;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesListObject;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import io.kubernetes.client.util.generic.options.ListOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the ModelRollouts of one namespace (a client-java informer: list, then watch, relist
 * after errors) and hands {@code splits} each model's {@link TrafficSplit} when it changes: when a
 * rollout appears, when the controller writes a new weight or promotes, when a spec changes. A
 * deleted ModelRollout sends every request of its model to its stable version. A split equal to the
 * last one handed over for that rollout is not sent again.
 *
 * <p>The consumer is called on the informer's thread, one call at a time, within a watch event's
 * delivery (well under a second after the API server stores the change); it must not block. {@link
 * #start} starts the threads ({@code mmserve-rollout-watch-*} and client-java's); {@link #close}
 * stops them, after which the consumer is not called.
 */
public final class RolloutWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RolloutWatcher.class);

  private final String namespace;
  private final Consumer<TrafficSplit> splits;
  private final ExecutorService threads;
  private final SharedInformerFactory factory;
  private final Map<String, TrafficSplit> delivered = new HashMap<>(); // guarded by this
  private volatile boolean closed;

  /**
   * @param client a client whose read timeout is zero (watches are long requests)
   * @param splits told each changed split; called on the informer's thread
   */
  public RolloutWatcher(ApiClient client, String namespace, Consumer<TrafficSplit> splits) {
    this.namespace = namespace;
    this.splits = splits;
    AtomicInteger count = new AtomicInteger();
    this.threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "mmserve-rollout-watch-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.factory = new SharedInformerFactory(client, threads, false);
    DynamicKubernetesApi api =
        new DynamicKubernetesApi(
            ModelRollout.GROUP, ModelRollout.VERSION, ModelRollout.PLURAL, client);
    SharedIndexInformer<DynamicKubernetesObject> informer =
        factory.sharedIndexInformerFor(
            new RolloutListerWatcher(api, namespace),
            DynamicKubernetesObject.class,
            0,
            (type, error) ->
                log.warn(
                    "rollout: cannot list or watch the ModelRollouts of {}: {} (retrying)",
                    namespace,
                    error instanceof ApiException apiError ? "HTTP " + apiError.getCode() : error));
    informer.addEventHandler(new Changes());
  }

  /** Starts listing and watching. */
  public void start() {
    factory.startAllRegisteredInformers();
  }

  private synchronized void deliver(String key, TrafficSplit split) {
    if (closed || split.equals(delivered.get(key))) {
      return;
    }
    delivered.put(key, split);
    try {
      splits.accept(split);
    } catch (RuntimeException e) {
      log.error("rollout: the traffic split consumer failed on {}", split, e);
    }
  }

  private void onObject(DynamicKubernetesObject object, boolean deleted) {
    ModelRollout rollout;
    try {
      rollout = RolloutJson.read(object.getRaw());
    } catch (InvalidRolloutException e) {
      log.warn("rollout: ignored: {}", e.getMessage());
      return;
    }
    TrafficSplit split =
        deleted
            ? TrafficSplit.allStable(rollout.spec().model(), rollout.spec().stableVersion())
            : TrafficSplit.of(rollout);
    deliver(rollout.key(), split);
    if (deleted) {
      synchronized (this) {
        delivered.remove(rollout.key());
      }
    }
  }

  /** Stops the watch and its threads; the consumer is not called after this returns. */
  @Override
  public void close() throws InterruptedException {
    synchronized (this) {
      closed = true;
    }
    factory.stopAllRegisteredInformers(true);
    threads.shutdownNow();
    if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
      log.warn("rollout: the ModelRollout watch of {} did not stop within 5 s", namespace);
    }
  }

  private final class Changes implements ResourceEventHandler<DynamicKubernetesObject> {
    @Override
    public void onAdd(DynamicKubernetesObject object) {
      onObject(object, false);
    }

    @Override
    public void onUpdate(DynamicKubernetesObject before, DynamicKubernetesObject after) {
      onObject(after, false);
    }

    @Override
    public void onDelete(DynamicKubernetesObject object, boolean stateUnknown) {
      onObject(object, true);
    }
  }

  private static final class RolloutListerWatcher
      implements ListerWatcher<DynamicKubernetesObject, DynamicKubernetesListObject> {
    private final DynamicKubernetesApi api;
    private final String namespace;

    RolloutListerWatcher(DynamicKubernetesApi api, String namespace) {
      this.api = api;
      this.namespace = namespace;
    }

    @Override
    public DynamicKubernetesListObject list(CallGeneratorParams params) throws ApiException {
      return api.list(namespace, options(params)).throwsApiException().getObject();
    }

    @Override
    public Watchable<DynamicKubernetesObject> watch(CallGeneratorParams params)
        throws ApiException {
      return api.watch(namespace, options(params));
    }

    private static ListOptions options(CallGeneratorParams params) {
      ListOptions options = new ListOptions();
      options.setResourceVersion(params.resourceVersion);
      options.setTimeoutSeconds(params.timeoutSeconds);
      return options;
    }
  }
}
