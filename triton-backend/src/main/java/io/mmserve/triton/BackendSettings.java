package io.mmserve.triton;

import io.mmserve.inference.BackendModel;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.onnx.OnnxRuntimeBackend;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.tls.ClientTlsSettings;
import io.mmserve.kit.tracing.Tracing;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Which inference backend an encoder runs its models on ({@value #BACKEND}: {@code embedded} for
 * ONNX Runtime in-process, {@code triton} for a Triton server), with the settings of both. The same
 * manifest, tensor names and answers either way.
 *
 * @param kind the chosen backend
 * @param onnx ONNX Runtime's settings, used when embedded
 * @param triton Triton's settings, used with triton
 * @param tritonTls TLS to Triton ({@code triton.tls.*}, {@link TritonTls}); empty: plaintext
 */
public record BackendSettings(
    Kind kind, OnnxRuntimeConfig onnx, TritonConfig triton, Optional<ClientTlsSettings> tritonTls) {
  public static final String BACKEND = "backend";

  /** The backends to choose from. */
  public enum Kind {
    EMBEDDED,
    TRITON
  }

  public BackendSettings {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(onnx, "onnx");
    Objects.requireNonNull(triton, "triton");
    Objects.requireNonNull(tritonTls, "tritonTls");
  }

  /** {@value #BACKEND}=embedded, ONNX Runtime's and Triton's settings with their defaults. */
  public static Map<String, String> defaultSettings() {
    Map<String, String> defaults = new HashMap<>(OnnxRuntimeConfig.defaultSettings());
    defaults.putAll(TritonConfig.defaultSettings());
    defaults.putAll(TritonTls.defaultSettings());
    defaults.put(BACKEND, "embedded");
    return Map.copyOf(defaults);
  }

  /**
   * Reads and validates the settings of both backends ({@code triton.tls.*} also reads the shared
   * {@code tls.refresh-interval}).
   */
  public static BackendSettings from(Config config) {
    return new BackendSettings(
        config.getEnum(BACKEND, Kind.class),
        OnnxRuntimeConfig.from(config),
        TritonConfig.from(config),
        TritonTls.settings(config));
  }

  /**
   * Opens the chosen backend for {@code models}: loads the ONNX sessions, or connects to Triton and
   * checks its models against the manifest.
   *
   * @throws io.mmserve.inference.pack.ModelPackException if an ONNX file cannot be loaded
   * @throws TritonStartupException if Triton does not answer, refuses the TLS handshake, or its
   *     models differ from the manifest
   * @throws io.mmserve.kit.config.ConfigException if a {@code triton.tls.*} file cannot be read
   */
  public Opened open(List<BackendModel> models) {
    return open(models, Tracing.off());
  }

  /**
   * As {@link #open(List)}; the calls to Triton carry the current trace ({@code traceparent}) and
   * have client spans when {@code tracing} is on.
   */
  public Opened open(List<BackendModel> models, Tracing tracing) {
    return switch (kind) {
      case EMBEDDED -> new Opened(OnnxRuntimeBackend.open(onnx, models), () -> true);
      case TRITON -> {
        TritonBackend backend =
            TritonBackend.connect(triton, models, tracing, TritonTls.start(tritonTls));
        yield new Opened(backend, backend::isReady);
      }
    };
  }

  /**
   * An open backend and whether it can serve now: always for the embedded one, Triton's ModelReady
   * for Triton. The caller owns the backend and closes it.
   */
  public record Opened(InferenceBackend backend, BooleanSupplier ready) {
    public Opened {
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(ready, "ready");
    }
  }
}
