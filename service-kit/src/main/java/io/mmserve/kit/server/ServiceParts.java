package io.mmserve.kit.server;

import io.grpc.BindableService;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * What a service's {@link ServiceRunner.Assembly} built for the runner to serve.
 *
 * @param services the gRPC services, served with health and reflection
 * @param dependencyReady whether a dependency the services need can serve now (an encoder's
 *     Triton); health follows it through {@link GrpcServer#followReadiness}. Null when the service
 *     depends on nothing that can go away.
 */
public record ServiceParts(List<BindableService> services, BooleanSupplier dependencyReady) {
  public ServiceParts {
    services = List.copyOf(services);
    if (services.isEmpty()) {
      throw new IllegalArgumentException("a service serves at least one gRPC service");
    }
  }

  /** Services that depend on nothing that can go away. */
  public static ServiceParts of(BindableService... services) {
    return new ServiceParts(List.of(services), null);
  }

  /** Services whose health follows {@code dependencyReady}. */
  public static ServiceParts following(
      BooleanSupplier dependencyReady, BindableService... services) {
    return new ServiceParts(List.of(services), Objects.requireNonNull(dependencyReady));
  }
}
