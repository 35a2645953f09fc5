package io.mmserve.triton;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How to reach Triton and which of its models serve a pack's encoders.
 *
 * <p>The Triton model of a backend model "{@code NAME@VERSION/ROLE}" (for example {@code
 * shapes-clip@1.0.0/text}) is {@code modelPrefix + NAME + "-" + ROLE} ({@code shapes-clip-text}),
 * version {@link #modelVersion} (empty: Triton's version policy picks one).
 *
 * @param target gRPC target of Triton's KServe v2 endpoint ("localhost:8001", "dns:///triton:8001")
 * @param modelPrefix prepended to every Triton model name
 * @param modelVersion the model version asked for in every request; empty for the server's choice
 * @param requestTimeout deadline of one {@code infer} call, retries included
 * @param startupTimeout how long start-up waits for Triton and its models to answer
 * @param readyTimeout deadline of one readiness check (ModelReady)
 * @param initialBackoff first wait before retrying an UNAVAILABLE answer; doubles up to maxBackoff
 * @param maxBackoff longest wait between retries
 * @param maxInboundMessageBytes largest response accepted from Triton
 */
public record TritonConfig(
    String target,
    String modelPrefix,
    String modelVersion,
    Duration requestTimeout,
    Duration startupTimeout,
    Duration readyTimeout,
    Duration initialBackoff,
    Duration maxBackoff,
    int maxInboundMessageBytes) {
  public static final String TARGET = "triton.target";
  public static final String MODEL_PREFIX = "triton.model-prefix";
  public static final String MODEL_VERSION = "triton.model-version";
  public static final String REQUEST_TIMEOUT = "triton.request-timeout";
  public static final String STARTUP_TIMEOUT = "triton.startup-timeout";
  public static final String READY_TIMEOUT = "triton.ready-timeout";
  public static final String INITIAL_BACKOFF = "triton.retry.initial-backoff";
  public static final String MAX_BACKOFF = "triton.retry.max-backoff";
  public static final String MAX_INBOUND_MESSAGE_SIZE = "triton.max-inbound-message-size";

  public static final String DEFAULT_TARGET = "localhost:8001";
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(50);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(1);
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 256 * 1024 * 1024;

  private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

  public TritonConfig {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(modelPrefix, "modelPrefix");
    Objects.requireNonNull(modelVersion, "modelVersion");
    if (target.isBlank()) {
      throw new ConfigException(TARGET + " must name Triton's gRPC endpoint, but was empty");
    }
    if (initialBackoff.compareTo(maxBackoff) > 0) {
      throw new ConfigException(
          INITIAL_BACKOFF
              + " must not exceed "
              + MAX_BACKOFF
              + ", but was "
              + initialBackoff
              + " > "
              + maxBackoff);
    }
  }

  /** The settings with their defaults. */
  public static Map<String, String> defaultSettings() {
    return Map.of(
        TARGET, DEFAULT_TARGET,
        MODEL_PREFIX, "",
        MODEL_VERSION, "",
        REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT.toMillis() + "ms",
        STARTUP_TIMEOUT, DEFAULT_STARTUP_TIMEOUT.toSeconds() + "s",
        READY_TIMEOUT, DEFAULT_READY_TIMEOUT.toMillis() + "ms",
        INITIAL_BACKOFF, DEFAULT_INITIAL_BACKOFF.toMillis() + "ms",
        MAX_BACKOFF, DEFAULT_MAX_BACKOFF.toMillis() + "ms",
        MAX_INBOUND_MESSAGE_SIZE, Integer.toString(DEFAULT_MAX_INBOUND_MESSAGE_BYTES));
  }

  /** Reads and validates the settings. */
  public static TritonConfig from(Config config) {
    return new TritonConfig(
        config.getString(TARGET),
        config.find(MODEL_PREFIX).orElse(""),
        config.find(MODEL_VERSION).orElse(""),
        config.getDuration(REQUEST_TIMEOUT, Duration.ofMillis(1), MAX_TIMEOUT),
        config.getDuration(STARTUP_TIMEOUT, Duration.ZERO, MAX_TIMEOUT),
        config.getDuration(READY_TIMEOUT, Duration.ofMillis(1), MAX_TIMEOUT),
        config.getDuration(INITIAL_BACKOFF, Duration.ofMillis(1), MAX_TIMEOUT),
        config.getDuration(MAX_BACKOFF, Duration.ofMillis(1), MAX_TIMEOUT),
        (int) config.getBytes(MAX_INBOUND_MESSAGE_SIZE, 4L * 1024 * 1024, Integer.MAX_VALUE));
  }

  /** A config for {@code target} with every other setting at its default. */
  public static TritonConfig forTarget(String target) {
    return new TritonConfig(
        target,
        "",
        "",
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_STARTUP_TIMEOUT,
        DEFAULT_READY_TIMEOUT,
        DEFAULT_INITIAL_BACKOFF,
        DEFAULT_MAX_BACKOFF,
        DEFAULT_MAX_INBOUND_MESSAGE_BYTES);
  }

  /** A copy with other model naming. */
  public TritonConfig withModels(String prefix, String version) {
    return new TritonConfig(
        target,
        prefix,
        version,
        requestTimeout,
        startupTimeout,
        readyTimeout,
        initialBackoff,
        maxBackoff,
        maxInboundMessageBytes);
  }

  /** A copy with other timeouts. */
  public TritonConfig withTimeouts(Duration request, Duration startup, Duration ready) {
    return new TritonConfig(
        target,
        modelPrefix,
        modelVersion,
        request,
        startup,
        ready,
        initialBackoff,
        maxBackoff,
        maxInboundMessageBytes);
  }

  /**
   * The Triton model name of a backend model name "{@code NAME@VERSION/ROLE}" (or "{@code
   * NAME/ROLE}").
   *
   * @throws IllegalArgumentException if the name has no "/ROLE" part
   */
  public String tritonModelName(String backendModelName) {
    int slash = backendModelName.lastIndexOf('/');
    if (slash <= 0 || slash == backendModelName.length() - 1) {
      throw new IllegalArgumentException(
          "backend model name '" + backendModelName + "' is not of the form NAME@VERSION/ROLE");
    }
    String id = backendModelName.substring(0, slash);
    int at = id.indexOf('@');
    String name = at < 0 ? id : id.substring(0, at);
    return modelPrefix + name + "-" + backendModelName.substring(slash + 1);
  }
}
