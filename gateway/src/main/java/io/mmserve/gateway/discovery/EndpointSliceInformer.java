package io.mmserve.gateway.discovery;

import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watchable;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.options.ListOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SliceWatch} of one Service: a client-java {@link SharedIndexInformer} of the
 * discovery.k8s.io/v1 EndpointSlices labelled {@code kubernetes.io/service-name=<service>} in the
 * Service's namespace. The informer lists them, then watches; when the watch expires or breaks (an
 * API server restart) it watches again or lists again, and the cache it keeps is never emptied by
 * an error. Every informer event hands listeners the whole cache, so a listener never sees half an
 * update.
 *
 * <p>The informer runs without a resync period: in client-java 27 a relist's changes reach only the
 * listeners that are due for a resync, so with a period they could wait for the next one.
 *
 * <p>{@link #start} starts its threads (named {@code mmserve-discovery-<service>.<namespace>} and
 * client-java's {@code informer-controller-*}, {@code controller-reflector-*}); {@link #close}
 * stops them all.
 */
final class EndpointSliceInformer implements SliceWatch {
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private static final Logger log = LoggerFactory.getLogger(EndpointSliceInformer.class);
  private static final long SYNC_POLL_MILLIS = 20;

  private final String name;
  private final DiscoveryMetrics.ServiceCounters counters;
  private final ExecutorService threads;
  private final SharedInformerFactory factory;
  private final SharedIndexInformer<V1EndpointSlice> informer;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Object publishing = new Object();
  private volatile boolean closed;

  /**
   * @param client a client whose read timeout is zero (watches are long requests)
   * @param counters counts lists and errors of this Service's watch
   */
  EndpointSliceInformer(
      ApiClient client,
      String service,
      String namespace,
      DiscoveryMetrics.ServiceCounters counters) {
    this.name = service + "." + namespace;
    this.counters = counters;
    this.threads = Executors.newCachedThreadPool(daemonThreads("mmserve-discovery-" + name));
    this.factory = new SharedInformerFactory(client, threads, false);
    GenericKubernetesApi<V1EndpointSlice, V1EndpointSliceList> api =
        new GenericKubernetesApi<>(
            V1EndpointSlice.class,
            V1EndpointSliceList.class,
            "discovery.k8s.io",
            "v1",
            "endpointslices",
            client);
    this.informer =
        factory.sharedIndexInformerFor(
            new SliceListerWatcher(api, namespace, SERVICE_NAME_LABEL + "=" + service),
            V1EndpointSlice.class,
            0,
            (type, error) -> onApiError(error));
    informer.addEventHandler(new Changes());
  }

  /** Starts listing and watching; listeners hear of the slices once the first list is in. */
  @Override
  public void start() {
    factory.startAllRegisteredInformers();
    threads.execute(this::publishOnceSynced);
  }

  @Override
  public void addListener(Listener listener) {
    listeners.add(listener);
    if (informer.hasSynced()) {
      synchronized (publishing) {
        listener.onSlices(informer.getIndexer().list());
      }
    }
  }

  @Override
  public void removeListener(Listener listener) {
    synchronized (publishing) {
      listeners.remove(listener);
    }
  }

  /**
   * A Service without slices has no informer event to tell that the first list is in, so this polls
   * the informer's sync flag once, at start, as client-go's WaitForCacheSync does.
   */
  private void publishOnceSynced() {
    try {
      while (!informer.hasSynced() && !closed) {
        TimeUnit.MILLISECONDS.sleep(SYNC_POLL_MILLIS);
      }
      publish();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closing
    }
  }

  /** Hands every listener the whole cache; nothing before the first list is in. */
  private void publish() {
    if (closed || !informer.hasSynced()) {
      return;
    }
    synchronized (publishing) {
      List<V1EndpointSlice> slices = informer.getIndexer().list();
      for (Listener listener : listeners) {
        listener.onSlices(slices);
      }
    }
  }

  private void onApiError(Throwable error) {
    counters.error();
    String message = "cannot list or watch the EndpointSlices of " + name + ": " + describe(error);
    log.warn("discovery: {} (retrying)", message);
    for (Listener listener : listeners) {
      listener.onError(message);
    }
  }

  private static String describe(Throwable error) {
    if (error instanceof ApiException api && api.getCode() > 0) {
      return "HTTP " + api.getCode() + " " + api.getResponseBody();
    }
    Throwable root = error;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    factory.stopAllRegisteredInformers(true);
    threads.shutdownNow();
    synchronized (publishing) {
      listeners.clear();
    }
    if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
      log.warn("discovery: the threads of {}'s watch did not stop within 5 s", name);
    }
  }

  /** Publishes the cache after each event. */
  private final class Changes implements ResourceEventHandler<V1EndpointSlice> {
    @Override
    public void onAdd(V1EndpointSlice slice) {
      publish();
    }

    @Override
    public void onUpdate(V1EndpointSlice before, V1EndpointSlice after) {
      publish();
    }

    @Override
    public void onDelete(V1EndpointSlice slice, boolean stateUnknown) {
      publish();
    }
  }

  /** Lists and watches one Service's slices, counting the lists (the first and every relist). */
  private final class SliceListerWatcher
      implements ListerWatcher<V1EndpointSlice, V1EndpointSliceList> {
    private final GenericKubernetesApi<V1EndpointSlice, V1EndpointSliceList> api;
    private final String namespace;
    private final String selector;

    SliceListerWatcher(
        GenericKubernetesApi<V1EndpointSlice, V1EndpointSliceList> api,
        String namespace,
        String selector) {
      this.api = api;
      this.namespace = namespace;
      this.selector = selector;
    }

    @Override
    public V1EndpointSliceList list(CallGeneratorParams params) throws ApiException {
      counters.list();
      return api.list(namespace, options(params)).throwsApiException().getObject();
    }

    @Override
    public Watchable<V1EndpointSlice> watch(CallGeneratorParams params) throws ApiException {
      return api.watch(namespace, options(params));
    }

    private ListOptions options(CallGeneratorParams params) {
      ListOptions options = new ListOptions();
      options.setLabelSelector(selector);
      options.setResourceVersion(params.resourceVersion);
      options.setTimeoutSeconds(params.timeoutSeconds);
      return options;
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** For messages. */
  @Override
  public String toString() {
    return "EndpointSlices of " + name;
  }
}
