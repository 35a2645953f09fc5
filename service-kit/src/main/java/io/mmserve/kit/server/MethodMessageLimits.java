package io.mmserve.kit.server;

import io.grpc.BindableService;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Request message limits smaller than the server's {@code grpc.max-inbound-message-size}, per
 * method: that server-wide limit is the transport's, checked before a message is read, and must
 * hold the largest request of any method (an Upsert full of images); a method whose requests are
 * small (EmbedText, Delete) gets a smaller limit here, checked on each decoded request before the
 * service sees it. A request over its method's limit is RESOURCE_EXHAUSTED naming the method and
 * the limit.
 *
 * <p>Read from {@value #KEY}: a comma-separated list of {@code package.Service/Method=SIZE}.
 */
public final class MethodMessageLimits {
  public static final String KEY = "grpc.method-max-inbound-message-size";

  private static final long MAX_BYTES = Integer.MAX_VALUE;

  private final Map<String, Integer> limits;

  /** Limits by full method name ({@code mmserve.v1.Multimodal/EmbedText}). */
  public MethodMessageLimits(Map<String, Integer> limits) {
    this.limits = Map.copyOf(limits);
  }

  /** No method limits: only the server-wide one applies. */
  public static MethodMessageLimits none() {
    return new MethodMessageLimits(Map.of());
  }

  /** Reads {@value #KEY}; a bad entry throws naming the key and the entry. */
  public static MethodMessageLimits from(Config config) {
    Map<String, Integer> limits = new LinkedHashMap<>();
    for (String entry : config.getList(KEY)) {
      int eq = entry.indexOf('=');
      String method = eq < 0 ? "" : entry.substring(0, eq).trim();
      if (!method.matches("[\\w.]+/\\w+")) {
        throw new ConfigException(
            KEY + " entries must be package.Service/Method=SIZE, but one was " + entry);
      }
      String size = entry.substring(eq + 1).trim();
      limits.put(method, (int) Config.of(Map.of(KEY, size)).getBytes(KEY, 1, MAX_BYTES));
    }
    return new MethodMessageLimits(limits);
  }

  /** The limits by full method name. */
  public Map<String, Integer> limits() {
    return limits;
  }

  /**
   * The services with the limits checked in front of each limited method.
   *
   * @throws IllegalArgumentException if a limit names a method none of the services has
   */
  public List<BindableService> applyTo(List<? extends BindableService> services) {
    Set<String> served = new HashSet<>();
    List<BindableService> limited =
        services.stream()
            .map(
                service -> {
                  ServerServiceDefinition definition = service.bindService();
                  for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
                    served.add(method.getMethodDescriptor().getFullMethodName());
                  }
                  ServerServiceDefinition checked =
                      ServerInterceptors.intercept(definition, new Check());
                  return (BindableService) () -> checked;
                })
            .toList();
    for (String method : limits.keySet()) {
      if (!served.contains(method)) {
        throw new IllegalArgumentException(
            KEY + " names " + method + ", but the server has no such method; it has " + served);
      }
    }
    return limited;
  }

  /** Closes a call whose request is larger than its method's limit. */
  private final class Check implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String method = call.getMethodDescriptor().getFullMethodName();
      Integer limit = limits.get(method);
      ServerCall.Listener<Q> listener = next.startCall(call, headers);
      if (limit == null) {
        return listener;
      }
      return new SimpleForwardingServerCallListener<>(listener) {
        private boolean refused;

        @Override
        public void onMessage(Q message) {
          int size =
              message instanceof com.google.protobuf.MessageLite m ? m.getSerializedSize() : 0;
          if (size > limit) {
            refused = true;
            call.close(
                Status.RESOURCE_EXHAUSTED.withDescription(
                    method
                        + ": the request is "
                        + size
                        + " bytes, over this method's limit of "
                        + limit
                        + " bytes ("
                        + KEY
                        + ")"),
                new Metadata());
            return;
          }
          super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
          if (!refused) {
            super.onHalfClose();
          }
        }
      };
    }
  }
}
