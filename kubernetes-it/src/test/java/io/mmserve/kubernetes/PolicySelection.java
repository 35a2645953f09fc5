package io.mmserve.kubernetes;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1LabelSelectorRequirement;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPeer;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a NetworkPolicy's selectors mean on a cluster, asked of the API server: the pods its {@code
 * podSelector} isolates and the pods each {@code from} peer admits, listed with the selectors
 * turned into label-selector queries (so the API server, not this class, matches labels). Pods are
 * named {@code namespace/name}. This is the policy's meaning, not its enforcement, which is the
 * network plugin's. Calls block the calling thread.
 */
final class PolicySelection {
  private final CoreV1Api core;

  PolicySelection(CoreV1Api core) {
    this.core = core;
  }

  /** The pods of the policy's namespace that the policy applies to. */
  Set<String> isolated(V1NetworkPolicy policy) throws ApiException {
    String namespace = policy.getMetadata().getNamespace();
    return pods(namespace, query(policy.getSpec().getPodSelector()));
  }

  /**
   * The pods {@code peers} admit, for a policy in {@code namespace}: a peer without a
   * namespaceSelector means the policy's own namespace, one without a podSelector every pod of the
   * selected namespaces.
   *
   * @throws AssertionError for an ipBlock peer, which selects addresses, not pods
   */
  Set<String> admitted(List<V1NetworkPolicyPeer> peers, String namespace) throws ApiException {
    Set<String> pods = new TreeSet<>();
    for (V1NetworkPolicyPeer peer : peers) {
      if (peer.getIpBlock() != null) {
        throw new AssertionError("an ipBlock peer selects no pods: " + peer);
      }
      List<String> namespaces =
          peer.getNamespaceSelector() == null
              ? List.of(namespace)
              : core
                  .listNamespace()
                  .labelSelector(query(peer.getNamespaceSelector()))
                  .execute()
                  .getItems()
                  .stream()
                  .map(n -> n.getMetadata().getName())
                  .toList();
      for (String each : namespaces) {
        pods.addAll(pods(each, query(peer.getPodSelector())));
      }
    }
    return pods;
  }

  private Set<String> pods(String namespace, String selector) throws ApiException {
    Set<String> names = new TreeSet<>();
    for (V1Pod pod :
        core.listNamespacedPod(namespace).labelSelector(selector).execute().getItems()) {
      names.add(namespace + "/" + pod.getMetadata().getName());
    }
    return names;
  }

  /** A label selector as a query string; null or {} is "" (everything). */
  static String query(V1LabelSelector selector) {
    if (selector == null) {
      return "";
    }
    List<String> terms = new ArrayList<>();
    Map<String, String> labels = selector.getMatchLabels();
    if (labels != null) {
      labels.forEach((key, value) -> terms.add(key + "=" + value));
    }
    List<V1LabelSelectorRequirement> expressions = selector.getMatchExpressions();
    if (expressions != null) {
      for (V1LabelSelectorRequirement e : expressions) {
        String values = e.getValues() == null ? "" : String.join(",", e.getValues());
        terms.add(
            switch (e.getOperator()) {
              case "In" -> e.getKey() + " in (" + values + ")";
              case "NotIn" -> e.getKey() + " notin (" + values + ")";
              case "Exists" -> e.getKey();
              case "DoesNotExist" -> "!" + e.getKey();
              default -> throw new AssertionError("unknown operator in " + e);
            });
      }
    }
    return String.join(",", terms);
  }
}
