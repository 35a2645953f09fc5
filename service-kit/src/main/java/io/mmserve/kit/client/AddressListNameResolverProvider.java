package io.mmserve.kit.client;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.StatusOr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Resolves {@code static:///host:port,host:port}, a fixed list of replicas, to one address group
 * per entry, named by the entry ({@link NameResolvers#ENDPOINT_NAME}). A host name that resolves to
 * several addresses is one replica with several addresses. The list never changes; a refresh only
 * resolves the host names again.
 */
public final class AddressListNameResolverProvider extends NameResolverProvider {
  /** The URI scheme of a fixed list. */
  public static final String SCHEME = "static";

  /** The target URI of a fixed list of {@code host:port} entries. */
  static String uri(List<String> addresses) {
    try {
      return new URI(SCHEME, "", "/" + String.join(",", addresses), null).toString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(addresses + " is no valid address list", e);
    }
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 4; // below dns, so that dns stays the registry's default scheme
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    String path = targetUri.getPath();
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("'" + targetUri + "' is not static:///host:port,...");
    }
    return new AddressListNameResolver(
        Target.addresses(path.substring(1), targetUri.toString()), args);
  }

  /** The fixed list as a resolver. */
  private static final class AddressListNameResolver extends NameResolver {
    private final List<String> addresses;
    private final Args args;
    private Listener2 listener; // only touched in the synchronization context
    private boolean resolving; // only touched in the synchronization context

    AddressListNameResolver(List<String> addresses, Args args) {
      this.addresses = addresses;
      this.args = args;
    }

    @Override
    public String getServiceAuthority() {
      return addresses.getFirst();
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = listener;
      refresh();
    }

    /** Resolves the host names off the synchronization context (a lookup may block). */
    @Override
    public void refresh() {
      if (resolving) {
        return;
      }
      resolving = true;
      Executor executor = args.getOffloadExecutor();
      Runnable resolve =
          () -> {
            StatusOr<List<EquivalentAddressGroup>> groups = resolve();
            args.getSynchronizationContext()
                .execute(
                    () -> {
                      resolving = false;
                      listener.onResult2(
                          ResolutionResult.newBuilder().setAddressesOrError(groups).build());
                    });
          };
      if (executor == null) {
        resolve.run();
      } else {
        executor.execute(resolve);
      }
    }

    private StatusOr<List<EquivalentAddressGroup>> resolve() {
      List<EquivalentAddressGroup> groups = new ArrayList<>(addresses.size());
      for (String address : addresses) {
        String[] hostPort = Target.hostPort(address, address);
        String host = hostPort[0].replaceAll("^\\[(.*)]$", "$1");
        int port = Integer.parseInt(hostPort[1]);
        List<SocketAddress> sockets = new ArrayList<>();
        try {
          for (InetAddress ip : InetAddress.getAllByName(host)) {
            sockets.add(new InetSocketAddress(ip, port));
          }
        } catch (UnknownHostException e) {
          return StatusOr.fromStatus(
              Status.UNAVAILABLE.withDescription("cannot resolve the host of " + address));
        }
        groups.add(
            new EquivalentAddressGroup(
                sockets,
                Attributes.newBuilder().set(NameResolvers.ENDPOINT_NAME, address).build()));
      }
      return StatusOr.fromValue(groups);
    }

    @Override
    public void shutdown() {}
  }
}
