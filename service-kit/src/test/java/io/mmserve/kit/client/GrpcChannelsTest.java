package io.mmserve.kit.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.EquivalentAddressGroup;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Channels to a loopback server, through each kind of target. */
class GrpcChannelsTest {
  private final HealthStatusManager health = new HealthStatusManager();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server server;

  @BeforeEach
  void start() throws IOException {
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(health.getHealthService())
            .build()
            .start();
    health.setStatus("", ServingStatus.SERVING);
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    server.shutdownNow();
  }

  @Test
  void plaintext_reachesAHostPortTarget() {
    assertEquals(ServingStatus.SERVING, check(GrpcChannels.plaintext(local(), 1 << 20)));
  }

  @Test
  void plaintext_reachesAFixedListTarget() {
    String target = local() + ",localhost:" + server.getPort();

    assertEquals(ServingStatus.SERVING, check(GrpcChannels.plaintext(target, 1 << 20)));
  }

  @Test
  void plaintext_reachesADnsTarget() {
    assertEquals(
        ServingStatus.SERVING, check(GrpcChannels.plaintext("dns:///" + local(), 1 << 20)));
  }

  @Test
  void plaintextBuilder_usesAResolverRegisteredInTheRegistry() {
    NameResolverRegistry resolvers = NameResolvers.standard(Duration.ofSeconds(1));
    resolvers.register(new LocalResolverProvider(server.getPort()));

    ManagedChannel channel =
        GrpcChannels.plaintextBuilder("local:///anything", 1 << 20, resolvers).build();

    assertEquals(ServingStatus.SERVING, check(channel));
  }

  @Test
  void plaintext_rejectsABadTarget() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> GrpcChannels.plaintext("a:1,b", 1 << 20));

    assertEquals("'b' in target 'a:1,b' is not host:port", e.getMessage());
  }

  @Test
  void standard_hasDnsAsItsDefaultScheme() {
    assertEquals("dns", NameResolvers.standard(Duration.ofSeconds(1)).getDefaultScheme());
  }

  private String local() {
    return "127.0.0.1:" + server.getPort();
  }

  private ServingStatus check(ManagedChannel channel) {
    channels.add(channel);
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  /** {@code local:///anything}: the loopback port, as a new kind of target would be added. */
  private static final class LocalResolverProvider extends NameResolverProvider {
    private final int port;

    LocalResolverProvider(int port) {
      this.port = port;
    }

    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
    }

    @Override
    public String getDefaultScheme() {
      return "local";
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
      if (!"local".equals(targetUri.getScheme())) {
        return null;
      }
      return new NameResolver() {
        @Override
        public String getServiceAuthority() {
          return "local";
        }

        @Override
        public void start(Listener2 listener) {
          listener.onResult2(
              ResolutionResult.newBuilder()
                  .setAddresses(
                      List.of(new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", port))))
                  .build());
        }

        @Override
        public void shutdown() {}
      };
    }
  }
}
