package io.mmserve.testsupport;

import io.grpc.Channel;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** Asks a server's gRPC reflection service for its services, as grpcurl and ghz do. */
public final class ReflectionClient {
  private ReflectionClient() {}

  /**
   * Sends one list-services request on {@code channel}; the future completes with the first answer,
   * or exceptionally with the call's status (for example UNAUTHENTICATED when reflection is
   * closed).
   */
  public static CompletableFuture<ServerReflectionResponse> listServices(Channel channel) {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse response) {
                    answer.complete(response);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    return answer;
  }
}
