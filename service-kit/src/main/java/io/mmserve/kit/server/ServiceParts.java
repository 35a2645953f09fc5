package io.mmserve.kit.server;

import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import java.util.ArrayList;
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
 * @param transports other ways in to the same services, started and stopped with the gRPC server
 * @param interceptors run on every call of the gRPC server, health and reflection included, inside
 *     the standard ones (so the request log and metrics see what they answer), the last one first
 */
public record ServiceParts(
    List<BindableService> services,
    BooleanSupplier dependencyReady,
    List<Transport> transports,
    List<ServerInterceptor> interceptors) {
  public ServiceParts {
    services = List.copyOf(services);
    transports = List.copyOf(transports);
    interceptors = List.copyOf(interceptors);
    if (services.isEmpty()) {
      throw new IllegalArgumentException("a service serves at least one gRPC service");
    }
  }

  public ServiceParts(
      List<BindableService> services, BooleanSupplier dependencyReady, List<Transport> transports) {
    this(services, dependencyReady, transports, List.of());
  }

  /** Services that depend on nothing that can go away. */
  public static ServiceParts of(BindableService... services) {
    return new ServiceParts(List.of(services), null, List.of());
  }

  /** Services whose health follows {@code dependencyReady}. */
  public static ServiceParts following(
      BooleanSupplier dependencyReady, BindableService... services) {
    return new ServiceParts(List.of(services), Objects.requireNonNull(dependencyReady), List.of());
  }

  /** These parts, also served through {@code transport}. */
  public ServiceParts withTransport(Transport transport) {
    List<Transport> more = new ArrayList<>(transports);
    more.add(Objects.requireNonNull(transport));
    return new ServiceParts(services, dependencyReady, more, interceptors);
  }

  /** These parts, with {@code interceptor} on every call of the gRPC server. */
  public ServiceParts withInterceptor(ServerInterceptor interceptor) {
    List<ServerInterceptor> more = new ArrayList<>(interceptors);
    more.add(Objects.requireNonNull(interceptor));
    return new ServiceParts(services, dependencyReady, transports, more);
  }
}
