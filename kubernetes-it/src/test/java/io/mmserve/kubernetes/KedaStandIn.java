package io.mmserve.kubernetes;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1CustomResourceDefinition;
import io.kubernetes.client.openapi.models.V1CustomResourceDefinitionNames;
import io.kubernetes.client.openapi.models.V1CustomResourceDefinitionSpec;
import io.kubernetes.client.openapi.models.V1CustomResourceDefinitionVersion;
import io.kubernetes.client.openapi.models.V1CustomResourceValidation;
import io.kubernetes.client.openapi.models.V1JSONSchemaProps;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for KEDA's ScaledObject CustomResourceDefinition (keda.sh/v1alpha1), so that the API
 * server serves the API and Helm's {@code .Capabilities} sees it. It accepts any spec: KEDA itself
 * (its operator and its full schema) is not installed here, so nothing acts on the objects.
 */
final class KedaStandIn {
  static final String NAME = "scaledobjects.keda.sh";

  private KedaStandIn() {}

  /** Creates the definition and waits until it is Established and discovery lists the kind. */
  static void install(Cluster cluster) throws ApiException, InterruptedException {
    V1JSONSchemaProps anySpec =
        new V1JSONSchemaProps()
            .type("object")
            .xKubernetesPreserveUnknownFields(true)
            .description(
                "mmserve test stand-in for KEDA's ScaledObject: no KEDA operator runs; the API"
                    + " server only stores the objects");
    cluster.create(
        new V1CustomResourceDefinition()
            .metadata(
                new V1ObjectMeta()
                    .name(NAME)
                    .annotations(
                        Map.of(
                            "mmserve.io/purpose",
                            "test stand-in for KEDA's CRD; not KEDA (kubernetes-it KedaStandIn)")))
            .spec(
                new V1CustomResourceDefinitionSpec()
                    .group("keda.sh")
                    .scope("Namespaced")
                    .names(
                        new V1CustomResourceDefinitionNames()
                            .kind("ScaledObject")
                            .listKind("ScaledObjectList")
                            .plural("scaledobjects")
                            .singular("scaledobject"))
                    .versions(
                        List.of(
                            new V1CustomResourceDefinitionVersion()
                                .name("v1alpha1")
                                .served(true)
                                .storage(true)
                                .schema(
                                    new V1CustomResourceValidation().openAPIV3Schema(anySpec))))));
    Poll.until(
        NAME + " Established",
        Duration.ofSeconds(60),
        () -> cluster.customResourceDefinition(NAME).getStatus(),
        status ->
            status != null
                && status.getConditions() != null
                && status.getConditions().stream()
                    .anyMatch(
                        c -> c.getType().equals("Established") && c.getStatus().equals("True")));
    Poll.until(
        "discovery lists keda.sh/v1alpha1 ScaledObject",
        Duration.ofSeconds(60),
        () -> cluster.serves("keda.sh", "v1alpha1", "ScaledObject"),
        Boolean::booleanValue);
  }
}
