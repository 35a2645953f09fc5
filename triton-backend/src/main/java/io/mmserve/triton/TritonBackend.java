package io.mmserve.triton;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.inference.BackendModel;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.batch.Ticker;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.kit.client.GrpcChannels;
import io.mmserve.kit.client.NameResolvers;
import io.mmserve.kit.errors.ModelNotFoundException;
import io.mmserve.kit.tracing.Tracing;
import io.mmserve.kserve.v2.GRPCInferenceServiceGrpc;
import io.mmserve.kserve.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.mmserve.kserve.v2.ModelConfig;
import io.mmserve.kserve.v2.ModelConfigRequest;
import io.mmserve.kserve.v2.ModelInferRequest;
import io.mmserve.kserve.v2.ModelInferResponse;
import io.mmserve.kserve.v2.ModelMetadataRequest;
import io.mmserve.kserve.v2.ModelMetadataResponse;
import io.mmserve.kserve.v2.ModelReadyRequest;
import io.mmserve.kserve.v2.ServerMetadataRequest;
import io.mmserve.kserve.v2.ServerMetadataResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs models on Triton through the KServe v2 gRPC protocol ({@code
 * inference.GRPCInferenceService/ModelInfer}): tensors travel as raw little-endian contents, each
 * request names the model, its version and a request id, and carries a deadline.
 *
 * <p>{@link #connect} checks every model's ModelMetadata and ModelConfig against the manifest and
 * refuses to start on a mismatch ({@link TritonStartupException}). {@link #infer} retries
 * UNAVAILABLE (Triton unreachable or restarting) and NOT_FOUND (a model reloading) with backoff
 * until {@link TritonConfig#requestTimeout()}, splits batches larger than the model's
 * max_batch_size, and maps Triton's errors to mmserve's (see {@link TritonErrors}). {@link
 * #isReady()} follows ModelReady and never waits longer than {@link TritonConfig#readyTimeout()}.
 *
 * <p>The channel is plaintext or TLS ({@link TritonTls}, the {@code triton.tls.*} settings). A TLS
 * handshake this client refuses at start-up (Triton's certificate not trusted or not naming the
 * target's host) is not retried: {@link #connect} fails at once with a {@link
 * TritonStartupException} that says so. Triton refusing this client's certificate (or its absence)
 * reaches the client only as a closed connection: retried until the start-up timeout, then reported
 * with TLS named as the likely cause.
 *
 * <p>Thread-safe. One channel, created by {@link #connect} and reused by every call; {@link
 * #close()} shuts it down, then stops the TLS file poll.
 */
public final class TritonBackend implements InferenceBackend {
  private static final Logger log = LoggerFactory.getLogger(TritonBackend.class);
  private static final long CLOSE_WAIT_SECONDS = 5;

  private final TritonConfig config;
  private final ManagedChannel channel;
  private final TritonTls tls;
  private final GRPCInferenceServiceBlockingStub stub;
  private final Map<String, TritonModel> models;
  private final RetryLoop retries;
  private final Ticker ticker;
  private final AtomicLong requestIds = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();

  private TritonBackend(
      TritonConfig config,
      ManagedChannel channel,
      TritonTls tls,
      Map<String, TritonModel> models,
      RetryLoop retries,
      Ticker ticker) {
    this.config = config;
    this.channel = channel;
    this.tls = tls;
    this.stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    this.models = models;
    this.retries = retries;
    this.ticker = ticker;
  }

  /**
   * Opens a channel to {@code config.target()}, waits up to the start-up timeout for Triton to
   * answer, and checks every model against its manifest declaration.
   *
   * @throws TritonStartupException if Triton does not answer in time, lacks a model or version, or
   *     a tensor differs from the manifest; the channel is closed then
   */
  public static TritonBackend connect(TritonConfig config, List<BackendModel> specs) {
    return connect(config, specs, Tracing.off());
  }

  /**
   * As {@link #connect(TritonConfig, List)}, with each call to Triton traced by {@code tracing}: a
   * client span, child of the current context (the model call's span), and its W3C {@code
   * traceparent}, which Triton reads when its own tracing is on.
   */
  public static TritonBackend connect(
      TritonConfig config, List<BackendModel> specs, Tracing tracing) {
    return connect(config, specs, tracing, TritonTls.plaintext());
  }

  /**
   * As {@link #connect(TritonConfig, List, Tracing)}, over a channel secured by {@code tls}, which
   * the backend owns from now on: closed with it, or at once if the connection fails.
   *
   * @throws TritonStartupException as {@link #connect(TritonConfig, List)}, and at once (without
   *     waiting for the start-up timeout) when the TLS handshake with Triton fails
   */
  public static TritonBackend connect(
      TritonConfig config, List<BackendModel> specs, Tracing tracing, TritonTls tls) {
    ManagedChannel channel;
    try {
      channel =
          tracing
              .instrument(
                  GrpcChannels.builder(
                      config.target(),
                      config.maxInboundMessageBytes(),
                      NameResolvers.standard(NameResolvers.DEFAULT_DNS_REFRESH),
                      tls.credentials()))
              .build();
    } catch (RuntimeException e) {
      tls.close();
      throw e;
    }
    return open(config, channel, tls, specs, RetryLoop.Sleeper.THREAD, Ticker.system());
  }

  /**
   * As {@link #connect}, over a given channel (tests pass an in-process one); owns the channel.
   *
   * @param sleeper waits between retries
   * @param ticker the clock of the start-up and request timeouts
   */
  static TritonBackend open(
      TritonConfig config,
      ManagedChannel channel,
      List<BackendModel> specs,
      RetryLoop.Sleeper sleeper,
      Ticker ticker) {
    return open(config, channel, TritonTls.plaintext(), specs, sleeper, ticker);
  }

  private static TritonBackend open(
      TritonConfig config,
      ManagedChannel channel,
      TritonTls tls,
      List<BackendModel> specs,
      RetryLoop.Sleeper sleeper,
      Ticker ticker) {
    RetryLoop retries =
        new RetryLoop(
            config.initialBackoff(),
            config.maxBackoff(),
            sleeper,
            ticker,
            channel::resetConnectBackoff);
    try {
      GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
      long deadline = ticker.nanoTime() + config.startupTimeout().toNanos();
      ServerMetadataResponse server =
          startupCall(
              retries,
              deadline,
              config,
              tls.enabled(),
              "ServerMetadata",
              t ->
                  stub.withDeadlineAfter(t, TimeUnit.NANOSECONDS)
                      .serverMetadata(ServerMetadataRequest.getDefaultInstance()));
      log.info(
          "Triton at {} ({}): {} {}",
          config.target(),
          tls.describe(),
          server.getName(),
          server.getVersion());
      Map<String, TritonModel> models = new LinkedHashMap<>();
      for (BackendModel spec : specs) {
        if (models.containsKey(spec.name())) {
          throw new TritonStartupException("model '" + spec.name() + "' is given twice");
        }
        String name = config.tritonModelName(spec.name());
        String version = config.modelVersion();
        ModelMetadataResponse metadata =
            startupCall(
                retries,
                deadline,
                config,
                tls.enabled(),
                "ModelMetadata of '" + name + "'",
                t ->
                    stub.withDeadlineAfter(t, TimeUnit.NANOSECONDS)
                        .modelMetadata(
                            ModelMetadataRequest.newBuilder()
                                .setName(name)
                                .setVersion(version)
                                .build()));
        ModelConfig modelConfig =
            startupCall(
                    retries,
                    deadline,
                    config,
                    tls.enabled(),
                    "ModelConfig of '" + name + "'",
                    t ->
                        stub.withDeadlineAfter(t, TimeUnit.NANOSECONDS)
                            .modelConfig(
                                ModelConfigRequest.newBuilder()
                                    .setName(name)
                                    .setVersion(version)
                                    .build()))
                .getConfig();
        TritonModel model = ModelCheck.check(spec, name, version, metadata, modelConfig);
        models.put(spec.name(), model);
        log.info(
            "model '{}' runs on Triton model {} (versions {}, max batch {})",
            spec.name(),
            model.describe(),
            metadata.getVersionsList(),
            modelConfig.getMaxBatchSize());
      }
      return new TritonBackend(
          config, channel, tls, Collections.unmodifiableMap(models), retries, ticker);
    } catch (RuntimeException e) {
      channel.shutdownNow();
      tls.close();
      throw e;
    }
  }

  @Override
  public Map<String, Tensor> infer(String model, Map<String, Tensor> inputs) {
    TritonModel triton = models.get(model);
    if (triton == null) {
      throw new ModelNotFoundException(
          "unknown model '" + model + "'; this backend serves " + models.keySet());
    }
    if (closed.get()) {
      throw new IllegalStateException("the Triton backend is closed");
    }
    List<Tensor> ordered = new ArrayList<>();
    for (TensorSpec spec : triton.spec().inputs()) {
      Tensor tensor = inputs.get(spec.name());
      if (tensor == null) {
        throw new IllegalArgumentException(
            "model '" + model + "': input '" + spec.name() + "' is missing");
      }
      if (tensor.rank() == 0 || !spec.accepts(tensor.shape())) {
        throw new IllegalArgumentException(
            "model '"
                + model
                + "': input '"
                + spec.name()
                + "' is "
                + tensor
                + ", expected "
                + spec.shape());
      }
      ordered.add(tensor);
    }
    long deadline = ticker.nanoTime() + config.requestTimeout().toNanos();
    int batch = (int) ordered.get(0).dim(0);
    if (batch <= triton.maxBatchSize()) {
      return inferBatch(triton, ordered, deadline);
    }
    List<Map<String, Tensor>> parts = new ArrayList<>();
    for (int from = 0; from < batch; from += triton.maxBatchSize()) {
      int to = Math.min(batch, from + triton.maxBatchSize());
      int start = from;
      parts.add(
          inferBatch(triton, ordered.stream().map(t -> t.rows(start, to)).toList(), deadline));
    }
    Map<String, Tensor> joined = new LinkedHashMap<>();
    for (TensorSpec output : triton.spec().outputs()) {
      joined.put(
          output.name(), Tensors.concat(parts.stream().map(p -> p.get(output.name())).toList()));
    }
    return joined;
  }

  /**
   * True when Triton says every model is ready (ModelReady); false when it says otherwise, cannot
   * be reached, or does not answer within the ready timeout.
   */
  public boolean isReady() {
    if (closed.get()) {
      return false;
    }
    for (TritonModel model : models.values()) {
      try {
        boolean ready =
            stub.withDeadlineAfter(config.readyTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .modelReady(
                    ModelReadyRequest.newBuilder()
                        .setName(model.tritonName())
                        .setVersion(model.version())
                        .build())
                .getReady();
        if (!ready) {
          log.debug("Triton model {} is not ready", model.describe());
          return false;
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          channel.resetConnectBackoff(); // so the next check finds a restarted Triton at once
        }
        log.debug("Triton readiness of {} failed: {}", model.describe(), e.getStatus());
        return false;
      }
    }
    return true;
  }

  @Override
  public Set<String> models() {
    return models.keySet();
  }

  /**
   * Shuts the channel down, waiting up to 5 s for calls in flight, and stops the TLS file poll;
   * later calls do nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      tls.close();
    }
  }

  private Map<String, Tensor> inferBatch(TritonModel model, List<Tensor> inputs, long deadline) {
    String id = "mmserve-" + requestIds.incrementAndGet();
    ModelInferRequest request = InferMessages.request(model, inputs, id);
    ModelInferResponse response;
    try {
      response =
          retries.run(
              t -> stub.withDeadlineAfter(t, TimeUnit.NANOSECONDS).modelInfer(request),
              deadline,
              TritonErrors::isRetryable);
    } catch (StatusRuntimeException e) {
      log.debug("Triton request {} to {} failed: {}", id, model.describe(), e.getStatus());
      throw TritonErrors.toDomain(e, model, config.target());
    }
    return InferMessages.outputs(model, response);
  }

  private static <T> T startupCall(
      RetryLoop retries,
      long deadline,
      TritonConfig config,
      boolean tls,
      String what,
      RetryLoop.Attempt<T> attempt) {
    try {
      return retries.run(
          remaining -> attempt.call(Math.max(remaining, config.readyTimeout().toNanos())),
          deadline,
          status ->
              status.getCode() == Status.Code.UNAVAILABLE
                  && TritonErrors.tlsFailure(status).isEmpty()); // a retry cannot mend a refusal
    } catch (StatusRuntimeException e) {
      throw TritonStartupException.ofFailedCall(what, e, config, tls);
    }
  }
}
