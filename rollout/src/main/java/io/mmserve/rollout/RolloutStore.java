package io.mmserve.rollout;

import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesListObject;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.util.List;
import java.util.Optional;

/**
 * The ModelRollouts of one namespace in the API server, read and written as JSON through
 * client-java's dynamic API. Writes carry the {@code resourceVersion} they were read at, so a write
 * based on stale data (another controller wrote in between) fails with 409 Conflict instead of
 * overwriting. Calls block the calling thread.
 */
public final class RolloutStore {
  private final DynamicKubernetesApi api;
  private final String namespace;

  public RolloutStore(ApiClient client, String namespace) {
    this.api =
        new DynamicKubernetesApi(
            ModelRollout.GROUP, ModelRollout.VERSION, ModelRollout.PLURAL, client);
    this.namespace = namespace;
  }

  public String namespace() {
    return namespace;
  }

  /** Every ModelRollout of the namespace, as JSON. */
  public List<JsonObject> list() throws ApiException {
    KubernetesApiResponse<DynamicKubernetesListObject> response = api.list(namespace);
    check(response, "list ModelRollouts in " + namespace);
    return response.getObject().getItems().stream().map(DynamicKubernetesObject::getRaw).toList();
  }

  /** One ModelRollout as JSON, or empty when there is none of that name. */
  public Optional<JsonObject> get(String name) throws ApiException {
    KubernetesApiResponse<DynamicKubernetesObject> response = api.get(namespace, name);
    if (response.getHttpStatusCode() == 404) {
      return Optional.empty();
    }
    check(response, "get ModelRollout " + namespace + "/" + name);
    return Optional.of(response.getObject().getRaw());
  }

  /** Replaces the object (metadata and spec; the API server ignores the status here). */
  public JsonObject update(JsonObject object) throws ApiException {
    KubernetesApiResponse<DynamicKubernetesObject> response =
        api.update(new DynamicKubernetesObject(object));
    check(response, "update ModelRollout " + describe(object));
    return response.getObject().getRaw();
  }

  /** Replaces the status subresource with {@code object.status}. */
  public JsonObject updateStatus(JsonObject object) throws ApiException {
    KubernetesApiResponse<DynamicKubernetesObject> response =
        api.updateStatus(new DynamicKubernetesObject(object), o -> o.getRaw().get("status"));
    check(response, "update the status of ModelRollout " + describe(object));
    return response.getObject().getRaw();
  }

  private static String describe(JsonObject object) {
    JsonObject metadata = object.getAsJsonObject("metadata");
    return metadata.get("namespace").getAsString() + "/" + metadata.get("name").getAsString();
  }

  private static void check(KubernetesApiResponse<?> response, String what) throws ApiException {
    if (!response.isSuccess()) {
      throw new ApiException(
          response.getHttpStatusCode(),
          "cannot "
              + what
              + ": HTTP "
              + response.getHttpStatusCode()
              + " "
              + (response.getStatus() == null ? "" : response.getStatus().getMessage()));
    }
  }
}
