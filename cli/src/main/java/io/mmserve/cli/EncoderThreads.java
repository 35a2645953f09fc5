package io.mmserve.cli;

import java.util.List;

/**
 * How {@code up} shares the machine's cores between the encoder replicas it starts on it, so that
 * their ONNX Runtime intra-op threads add up to no more than the cores: each replica's thread pool
 * then runs on cores of its own instead of preempting another's in the middle of a parallel
 * operator (an oversubscribed parallel section waits for its slowest, descheduled thread, which is
 * what stretches the tail of the latency).
 *
 * <p>The rule: {@code cores / (text replicas + vision replicas)} threads per replica (at least 1),
 * and the cores left over by the text replicas go to the vision replicas (images cost more model
 * time per item). Each vision replica decodes and preprocesses on as many threads as its model has
 * ({@code preprocess.threads}): the pipeline overlaps the two, within the replica's share. With
 * more replicas than cores each gets one thread, and the sum then exceeds the cores by necessity.
 *
 * @param textIntraOp {@code onnxruntime.intra-op-threads} of each text-encoder replica
 * @param visionIntraOp {@code onnxruntime.intra-op-threads} of each vision-encoder replica
 * @param visionPreprocess {@code preprocess.threads} of each vision-encoder replica
 */
record EncoderThreads(int textIntraOp, int visionIntraOp, int visionPreprocess) {
  /** The ONNX Runtime setting both encoders read (docs/configuration.md, "Encoders"). */
  static final String INTRA_OP_THREADS = "onnxruntime.intra-op-threads";

  /** vision-encoder-svc's preparation threads. */
  static final String PREPROCESS_THREADS = "preprocess.threads";

  EncoderThreads {
    if (textIntraOp < 1 || visionIntraOp < 1 || visionPreprocess < 1) {
      throw new IllegalArgumentException(
          "every thread count must be at least 1, but was "
              + textIntraOp
              + ", "
              + visionIntraOp
              + ", "
              + visionPreprocess);
    }
  }

  /**
   * The split of {@code cores} between {@code textReplicas} text and {@code visionReplicas} vision
   * encoder replicas.
   *
   * @throws IllegalArgumentException if any count is below 1
   */
  static EncoderThreads split(int cores, int textReplicas, int visionReplicas) {
    if (cores < 1 || textReplicas < 1 || visionReplicas < 1) {
      throw new IllegalArgumentException(
          "cores and replicas must be at least 1, but were "
              + cores
              + " cores, "
              + textReplicas
              + " text and "
              + visionReplicas
              + " vision replicas");
    }
    int text = Math.max(1, cores / (textReplicas + visionReplicas));
    int vision = Math.max(1, (cores - text * textReplicas) / visionReplicas);
    return new EncoderThreads(text, vision, vision);
  }

  /** The settings of each text-encoder replica, as {@code --key=value} flags. */
  List<String> textFlags() {
    return List.of("--" + INTRA_OP_THREADS + "=" + textIntraOp);
  }

  /** The settings of each vision-encoder replica, as {@code --key=value} flags. */
  List<String> visionFlags() {
    return List.of(
        "--" + INTRA_OP_THREADS + "=" + visionIntraOp,
        "--" + PREPROCESS_THREADS + "=" + visionPreprocess);
  }
}
