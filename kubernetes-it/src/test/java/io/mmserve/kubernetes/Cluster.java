package io.mmserve.kubernetes;

import com.google.gson.Gson;
import io.kubernetes.client.Discovery;
import io.kubernetes.client.Discovery.APIResource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.util.Config;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import io.kubernetes.client.util.generic.options.CreateOptions;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The control plane's API as the install tests read it, through client-java with the test
 * kubeconfig. Any object of a helm manifest is read back by its apiVersion and kind, its resource
 * found through API discovery (asked again for a kind it does not know yet, such as a CRD's). Calls
 * block the calling thread.
 */
final class Cluster {
  private final ApiClient client;
  private final CoreV1Api core;
  private final AppsV1Api apps;
  private Set<APIResource> resources = Set.of();

  Cluster(Path kubeconfig) throws IOException {
    this.client = Config.fromConfig(kubeconfig.toString());
    this.core = new CoreV1Api(client);
    this.apps = new AppsV1Api(client);
  }

  /**
   * The object as the API server stores it, or empty when it does not exist.
   *
   * @param namespace used for namespaced kinds
   */
  Optional<DynamicKubernetesObject> read(Manifest.KubeObject object, String namespace)
      throws ApiException {
    DynamicKubernetesApi api = api(object);
    KubernetesApiResponse<DynamicKubernetesObject> response =
        Boolean.TRUE.equals(resource(object).getNamespaced())
            ? api.get(namespace, object.name())
            : api.get(object.name());
    if (response.getHttpStatusCode() == HttpURLConnection.HTTP_NOT_FOUND) {
      return Optional.empty();
    }
    if (!response.isSuccess()) {
      throw new ApiException(
          response.getHttpStatusCode(), "GET " + object + ": " + response.getStatus());
    }
    return Optional.of(response.getObject());
  }

  /** Whether API discovery lists {@code kind} in {@code group} (asked now). */
  boolean serves(String group, String version, String kind) throws ApiException {
    resources = new Discovery(client).findAll();
    return resources.stream()
        .anyMatch(
            r ->
                r.getGroup().equals(group)
                    && r.getKind().equals(kind)
                    && r.getVersions().contains(version));
  }

  V1Deployment deployment(String namespace, String name) throws ApiException {
    return apps.readNamespacedDeployment(name, namespace).execute();
  }

  List<V1ReplicaSet> replicaSets(String namespace, Map<String, String> selector)
      throws ApiException {
    return apps.listNamespacedReplicaSet(namespace)
        .labelSelector(selector(selector))
        .execute()
        .getItems();
  }

  List<V1Pod> pods(String namespace, Map<String, String> selector) throws ApiException {
    return core.listNamespacedPod(namespace).labelSelector(selector(selector)).execute().getItems();
  }

  /**
   * Creates {@code object} (in {@code namespace} when its kind is namespaced), sent as the map it
   * is: no typed model adds empty fields the API server would refuse.
   */
  DynamicKubernetesObject create(Manifest.KubeObject object, String namespace) throws ApiException {
    DynamicKubernetesApi api = api(object);
    DynamicKubernetesObject body =
        new DynamicKubernetesObject(new Gson().toJsonTree(object.fields()).getAsJsonObject());
    KubernetesApiResponse<DynamicKubernetesObject> response =
        Boolean.TRUE.equals(resource(object).getNamespaced())
            ? api.create(namespace, body, new CreateOptions())
            : api.create(body);
    if (!response.isSuccess()) {
      throw new ApiException(
          response.getHttpStatusCode(), "creating " + object + ": " + response.getStatus());
    }
    return response.getObject();
  }

  private DynamicKubernetesApi api(Manifest.KubeObject object) throws ApiException {
    String[] groupVersion = splitApiVersion(object.apiVersion());
    return new DynamicKubernetesApi(
        groupVersion[0], groupVersion[1], resource(object).getResourcePlural(), client);
  }

  private APIResource resource(Manifest.KubeObject object) throws ApiException {
    return resource(splitApiVersion(object.apiVersion())[0], object.kind());
  }

  private APIResource resource(String group, String kind) throws ApiException {
    Optional<APIResource> known = find(group, kind);
    if (known.isEmpty()) {
      resources = new Discovery(client).findAll();
      known = find(group, kind);
    }
    return known.orElseThrow(
        () ->
            new AssertionError(
                "the API server serves no kind " + kind + " in group '" + group + "'"));
  }

  private Optional<APIResource> find(String group, String kind) {
    return resources.stream()
        .filter(r -> r.getGroup().equals(group) && r.getKind().equals(kind))
        .findFirst();
  }

  /** "apps/v1" → {"apps", "v1"}; "v1" → {"", "v1"}. */
  private static String[] splitApiVersion(String apiVersion) {
    int slash = apiVersion.indexOf('/');
    return slash < 0
        ? new String[] {"", apiVersion}
        : new String[] {apiVersion.substring(0, slash), apiVersion.substring(slash + 1)};
  }

  private static String selector(Map<String, String> labels) {
    return labels.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .sorted()
        .collect(Collectors.joining(","));
  }
}
