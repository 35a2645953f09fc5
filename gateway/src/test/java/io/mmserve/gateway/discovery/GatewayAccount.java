package io.mmserve.gateway.discovery;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.mmserve.testsupport.ControlPlane;
import java.nio.file.Path;
import java.util.List;

/**
 * The gateway's identity in a cluster, for tests: a service account with a token from the
 * TokenRequest API, written into a kubeconfig, and the Role the chart gives the gateway (get, list
 * and watch EndpointSlices in one namespace).
 */
final class GatewayAccount {
  private final CoreV1Api core;
  private final RbacAuthorizationV1Api rbac;

  /**
   * @param client a cluster-admin client (it creates accounts, tokens, Roles and bindings)
   */
  GatewayAccount(ApiClient client) {
    this.core = new CoreV1Api(client);
    this.rbac = new RbacAuthorizationV1Api(client);
  }

  /**
   * A kubeconfig in the control plane's folder that authenticates as a new service account of
   * {@code namespace} (a token from the TokenRequest API), which may do nothing until a Role is
   * bound to it ({@link #grantEndpointSliceReader}): what a gateway pod has.
   */
  Path kubeconfig(ControlPlane controlPlane, String namespace, String account) throws ApiException {
    core.createNamespacedServiceAccount(
            namespace, new V1ServiceAccount().metadata(new V1ObjectMeta().name(account)))
        .execute();
    String token =
        core.createNamespacedServiceAccountToken(
                account,
                namespace,
                new AuthenticationV1TokenRequest()
                    .spec(new V1TokenRequestSpec().expirationSeconds(3600L)))
            .execute()
            .getStatus()
            .getToken();
    return controlPlane.tokenKubeconfig(controlPlane.dir(), namespace + "-" + account, token);
  }

  /** The gateway's Role: get, list and watch EndpointSlices in {@code namespace}, and no more. */
  void grantEndpointSliceReader(String namespace, String account) throws ApiException {
    rbac.createNamespacedRole(
            namespace,
            new V1Role()
                .metadata(new V1ObjectMeta().name("endpointslice-reader"))
                .rules(
                    List.of(
                        new V1PolicyRule()
                            .apiGroups(List.of("discovery.k8s.io"))
                            .resources(List.of("endpointslices"))
                            .verbs(List.of("list", "watch")))))
        .execute();
    rbac.createNamespacedRoleBinding(
            namespace,
            new V1RoleBinding()
                .metadata(new V1ObjectMeta().name("endpointslice-reader"))
                .roleRef(
                    new V1RoleRef()
                        .apiGroup("rbac.authorization.k8s.io")
                        .kind("Role")
                        .name("endpointslice-reader"))
                .subjects(
                    List.of(
                        new RbacV1Subject()
                            .kind("ServiceAccount")
                            .name(account)
                            .namespace(namespace))))
        .execute();
  }
}
