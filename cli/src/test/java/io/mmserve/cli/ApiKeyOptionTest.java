package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.mmserve.api.v1.ListCollectionsRequest;
import io.mmserve.api.v1.ListCollectionsResponse;
import io.mmserve.api.v1.MultimodalGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@code --api-key} and {@code $MMSERVE_API_KEY}, the key on the wire, and never in text. */
class ApiKeyOptionTest {
  private static final String KEY = "mmk_secret-key-value";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static CallOptions parse(Map<String, String> env, String... args) {
    return CallOptions.from(
        CommandLine.parse(List.of(args), CallOptions.VALUE_OPTIONS, CallOptions.FLAG_OPTIONS), env);
  }

  @Test
  void theFlag_winsOverTheEnvironment_andAnEmptyEnvironmentIsNoKey() {
    assertTrue(parse(Map.of(), "--api-key", KEY).apiKey().present());
    assertTrue(parse(Map.of(ApiKeyOption.ENV, KEY)).apiKey().present());
    assertFalse(parse(Map.of(ApiKeyOption.ENV, "")).apiKey().present());
    assertFalse(parse(Map.of()).apiKey().present());
    assertEquals(
        parse(Map.of(), "--api-key", KEY).apiKey(),
        parse(Map.of(ApiKeyOption.ENV, "other"), "--api-key", KEY).apiKey());
  }

  @Test
  void aBadKey_isAUsageErrorThatDoesNotShowIt() {
    UsageException empty =
        assertThrows(UsageException.class, () -> parse(Map.of(), "--api-key", ""));
    UsageException spaced =
        assertThrows(UsageException.class, () -> parse(Map.of(), "--api-key", "mmk_a b"));
    UsageException env =
        assertThrows(UsageException.class, () -> parse(Map.of(ApiKeyOption.ENV, "mmk_é")));

    assertEquals("--api-key must not be empty", empty.getMessage());
    assertEquals(
        "--api-key must be printable ASCII without spaces (the key is not shown here)",
        spaced.getMessage());
    assertEquals(
        "$MMSERVE_API_KEY must be printable ASCII without spaces (the key is not shown here)",
        env.getMessage());
  }

  @Test
  void theOptions_neverShowTheKey() {
    CallOptions options = parse(Map.of(), "--api-key", KEY);
    EmbedOptions embed = EmbedOptions.parse(List.of("x", "--api-key", KEY), Map.of(), "text");

    assertFalse(options.toString().contains(KEY), options.toString());
    assertFalse(embed.toString().contains(KEY), embed.toString());
    assertTrue(embed.apiKey().present());
  }

  @Test
  void theClient_sendsTheKeyAsABearerToken() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>("none");
    ServerInterceptor recorder =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            seen.set(headers.get(AUTHORIZATION));
            return next.startCall(call, headers);
          }
        };
    String name = InProcessServerBuilder.generateName();
    Server server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new MultimodalGrpc.MultimodalImplBase() {
                  @Override
                  public void listCollections(
                      ListCollectionsRequest request,
                      StreamObserver<ListCollectionsResponse> answer) {
                    answer.onNext(ListCollectionsResponse.getDefaultInstance());
                    answer.onCompleted();
                  }
                })
            .intercept(recorder)
            .build()
            .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      parse(Map.of(), "--api-key", KEY)
          .client(channel)
          .listCollections(ListCollectionsRequest.getDefaultInstance());
      assertEquals("Bearer " + KEY, seen.get());

      ApiKeyOption.none()
          .client(channel, Duration.ofSeconds(5))
          .listCollections(ListCollectionsRequest.getDefaultInstance());
      assertEquals(null, seen.get());
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }
}
