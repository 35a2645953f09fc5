package io.mmserve.kubernetes;

import com.google.gson.JsonElement;
import io.kubernetes.client.openapi.ApiException;
import io.mmserve.testsupport.Poll;
import java.time.Duration;

/**
 * A stand-in for KEDA's ScaledObject CustomResourceDefinition (keda.sh/v1alpha1), so that the API
 * server serves the API and Helm's {@code .Capabilities} sees it. It accepts any spec: KEDA itself
 * (its operator and its full schema) is not installed here, so nothing acts on the objects.
 */
final class KedaStandIn {
  static final Manifest.KubeObject DEFINITION =
      Manifest.parse(
              """
              apiVersion: apiextensions.k8s.io/v1
              kind: CustomResourceDefinition
              metadata:
                name: scaledobjects.keda.sh
                annotations:
                  mmserve.io/purpose: >-
                    test stand-in for KEDA's ScaledObject CRD (kubernetes-it KedaStandIn); not KEDA:
                    no operator runs, the API server only stores the objects
              spec:
                group: keda.sh
                scope: Namespaced
                names:
                  kind: ScaledObject
                  listKind: ScaledObjectList
                  plural: scaledobjects
                  singular: scaledobject
                versions:
                  - name: v1alpha1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        x-kubernetes-preserve-unknown-fields: true
              """)
          .objects()
          .get(0);

  private KedaStandIn() {}

  /** Creates the definition and waits until it is Established and discovery lists the kind. */
  static void install(Cluster cluster) throws ApiException, InterruptedException {
    cluster.create(DEFINITION, null);
    Poll.until(
        DEFINITION + " Established",
        Duration.ofSeconds(60),
        () -> cluster.read(DEFINITION, null).orElseThrow().getRaw().getAsJsonObject("status"),
        status ->
            status != null
                && status.has("conditions")
                && status.getAsJsonArray("conditions").asList().stream()
                    .map(JsonElement::getAsJsonObject)
                    .anyMatch(
                        c ->
                            c.get("type").getAsString().equals("Established")
                                && c.get("status").getAsString().equals("True")));
    Poll.until(
        "discovery lists keda.sh/v1alpha1 ScaledObject",
        Duration.ofSeconds(60),
        () -> cluster.serves("keda.sh", "v1alpha1", "ScaledObject"),
        Boolean::booleanValue);
  }
}
