package io.mmserve.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.encoder.v1.VisionEncoderGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A closed-loop gRPC load generator: {@code --concurrency} callers each send one request, wait for
 * its answer and send the next, for {@code --warmup} (not recorded) then {@code --duration}. Prints
 * one JSON line: requests per second, latency percentiles (exact, from all recorded latencies),
 * errors by status code and, for the processes named by {@code --cpu-pids}, the CPU time (clock
 * ticks) they used during the measured window.
 *
 * <pre>
 * java -cp bench/jmh/target/benchmarks.jar io.mmserve.bench.GrpcLoad \
 *     --target 127.0.0.1:50051 --call embed-image --image bench/data/photo_640x480.jpg \
 *     --concurrency 32 --duration 20s --warmup 5s
 * </pre>
 *
 * Calls: {@code embed-text} and {@code embed-image} on the gateway (mmserve.v1.Multimodal), {@code
 * encode-text} and {@code encode-image} on an encoder (mmserve.encoder.v1), each with one item;
 * {@code health-check}, grpc.health.v1.Health/Check of the whole server, the cheapest unary call
 * any server answers (the floor of a call, {@code bench/grpc_floor.sh}).
 */
public final class GrpcLoad {
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

  private GrpcLoad() {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(options.target)
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    try {
      Supplier<Runnable> callers = callerFactory(options, channel);
      Result result =
          run(callers, options.concurrency, options.warmup, options.duration, options.cpuPids);
      System.out.println(result.toJson(options));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A factory of per-thread callers; each caller makes one blocking call per run. */
  private static Supplier<Runnable> callerFactory(Options o, ManagedChannel channel)
      throws IOException {
    switch (o.call) {
      case "embed-text" -> {
        EmbedTextRequest request = EmbedTextRequest.newBuilder().addTexts(o.text).build();
        return () -> {
          MultimodalGrpc.MultimodalBlockingStub stub = MultimodalGrpc.newBlockingStub(channel);
          return () -> stub.withDeadlineAfter(CALL_DEADLINE).embedText(request);
        };
      }
      case "embed-image" -> {
        EmbedImageRequest request =
            EmbedImageRequest.newBuilder().addImages(encodedImage(o.image)).build();
        return () -> {
          MultimodalGrpc.MultimodalBlockingStub stub = MultimodalGrpc.newBlockingStub(channel);
          return () -> stub.withDeadlineAfter(CALL_DEADLINE).embedImage(request);
        };
      }
      case "encode-text" -> {
        EncodeTextRequest request =
            EncodeTextRequest.newBuilder().addTexts(o.text).setNormalize(true).build();
        return () -> {
          TextEncoderGrpc.TextEncoderBlockingStub stub = TextEncoderGrpc.newBlockingStub(channel);
          return () -> stub.withDeadlineAfter(CALL_DEADLINE).encodeText(request);
        };
      }
      case "encode-image" -> {
        EncodeImageRequest request =
            EncodeImageRequest.newBuilder()
                .addImages(encodedImage(o.image))
                .setNormalize(true)
                .build();
        return () -> {
          VisionEncoderGrpc.VisionEncoderBlockingStub stub =
              VisionEncoderGrpc.newBlockingStub(channel);
          return () -> stub.withDeadlineAfter(CALL_DEADLINE).encodeImage(request);
        };
      }
      case "health-check" -> {
        HealthCheckRequest request = HealthCheckRequest.getDefaultInstance();
        return () -> {
          HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel);
          return () -> stub.withDeadlineAfter(CALL_DEADLINE).check(request);
        };
      }
      default -> throw new IllegalArgumentException("unknown --call " + o.call);
    }
  }

  private static Image encodedImage(Path file) throws IOException {
    return Image.newBuilder().setEncoded(ByteString.copyFrom(Files.readAllBytes(file))).build();
  }

  /**
   * Runs {@code concurrency} closed-loop callers; records latencies after the warm-up, and the CPU
   * time the processes {@code cpuPids} used during the measured window.
   */
  static Result run(
      Supplier<Runnable> callers,
      int concurrency,
      Duration warmup,
      Duration duration,
      List<Long> cpuPids)
      throws InterruptedException, IOException {
    long start = System.nanoTime();
    long recordFrom = start + warmup.toNanos();
    long end = recordFrom + duration.toNanos();
    Recorder[] recorders = new Recorder[concurrency];
    Thread[] threads = new Thread[concurrency];
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      Recorder recorder = new Recorder();
      Runnable call = callers.get();
      recorders[i] = recorder;
      threads[i] =
          new Thread(
              () -> {
                try {
                  recorder.loop(call, recordFrom, end);
                } finally {
                  done.countDown();
                }
              },
              "load-" + i);
      threads[i].start();
    }
    TimeUnit.NANOSECONDS.sleep(recordFrom - System.nanoTime());
    long[] cpuBefore = cpuTicks(cpuPids);
    done.await(end - System.nanoTime(), TimeUnit.NANOSECONDS);
    long[] cpuTicks = cpuTicks(cpuPids);
    for (int i = 0; i < cpuTicks.length; i++) {
      cpuTicks[i] -= cpuBefore[i];
    }
    done.await();
    return Result.merge(recorders, duration, cpuTicks);
  }

  /**
   * User plus system CPU time of each process so far, in clock ticks ({@code /proc/PID/stat} fields
   * 14 and 15; usually 100 per second, see {@code getconf CLK_TCK}).
   */
  private static long[] cpuTicks(List<Long> pids) throws IOException {
    long[] ticks = new long[pids.size()];
    for (int i = 0; i < ticks.length; i++) {
      String stat = Files.readString(Path.of("/proc", pids.get(i).toString(), "stat"));
      // fields after the command name, which is in parentheses and may contain spaces
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      ticks[i] = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
    return ticks;
  }

  /** One caller's loop and what it saw; used by its own thread only until it finishes. */
  private static final class Recorder {
    private long[] latencies = new long[1024];
    private int count;
    private final Map<String, Integer> errors = new TreeMap<>();

    void loop(Runnable call, long recordFrom, long end) {
      while (true) {
        long t0 = System.nanoTime();
        if (t0 >= end) {
          return;
        }
        String error = null;
        try {
          call.run();
        } catch (StatusRuntimeException e) {
          error = e.getStatus().getCode().name();
        } catch (RuntimeException e) {
          error = Status.fromThrowable(e).getCode().name();
        }
        long t1 = System.nanoTime();
        if (t0 < recordFrom || t1 > end) {
          continue; // started in the warm-up or ended after the measured window
        }
        if (error != null) {
          errors.merge(error, 1, Integer::sum);
        } else {
          if (count == latencies.length) {
            latencies = Arrays.copyOf(latencies, count * 2);
          }
          latencies[count++] = t1 - t0;
        }
      }
    }
  }

  /** The merged outcome of a run. */
  record Result(
      long[] sortedLatencies, Map<String, Integer> errors, Duration duration, long[] cpuTicks) {
    static Result merge(Recorder[] recorders, Duration duration, long[] cpuTicks) {
      int total = 0;
      Map<String, Integer> errors = new TreeMap<>();
      for (Recorder r : recorders) {
        total += r.count;
        r.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum));
      }
      long[] all = new long[total];
      int at = 0;
      for (Recorder r : recorders) {
        System.arraycopy(r.latencies, 0, all, at, r.count);
        at += r.count;
      }
      Arrays.sort(all);
      return new Result(all, errors, duration, cpuTicks);
    }

    double rps() {
      return sortedLatencies.length / (duration.toNanos() / 1e9);
    }

    /** The latency at quantile {@code q} (nearest rank), in milliseconds; NaN without samples. */
    double percentileMs(double q) {
      if (sortedLatencies.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.ceil(q * sortedLatencies.length);
      return sortedLatencies[Math.max(0, rank - 1)] / 1e6;
    }

    String toJson(Options o) {
      List<String> errorFields = new ArrayList<>();
      errors.forEach((k, v) -> errorFields.add("\"" + k + "\": " + v));
      return String.format(
          Locale.ROOT,
          "{\"call\": \"%s\", \"target\": \"%s\", \"concurrency\": %d, \"duration_s\": %.1f,"
              + " \"requests\": %d, \"rps\": %.2f, \"p50_ms\": %.3f, \"p95_ms\": %.3f,"
              + " \"p99_ms\": %.3f, \"max_ms\": %.3f, \"errors\": {%s}, \"cpu_ticks\": %s}",
          o.call,
          o.target,
          o.concurrency,
          duration.toNanos() / 1e9,
          sortedLatencies.length,
          rps(),
          percentileMs(0.50),
          percentileMs(0.95),
          percentileMs(0.99),
          percentileMs(1.0),
          String.join(", ", errorFields),
          Arrays.toString(cpuTicks));
    }
  }

  /** Command-line options, {@code --name value} or {@code --name=value}. */
  private static final class Options {
    String target = "127.0.0.1:50051";
    String call = "embed-text";
    String text = "a red circle";
    Path image = Path.of("bench/data/photo_640x480.jpg");
    int concurrency = 1;
    Duration duration = Duration.ofSeconds(10);
    Duration warmup = Duration.ofSeconds(3);
    List<Long> cpuPids = List.of();

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        String value;
        int eq = arg.indexOf('=');
        if (eq > 0) {
          value = arg.substring(eq + 1);
          arg = arg.substring(0, eq);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new IllegalArgumentException(arg + " needs a value");
        }
        switch (arg) {
          case "--target" -> o.target = value;
          case "--call" -> o.call = value;
          case "--text" -> o.text = value;
          case "--image" -> o.image = Path.of(value);
          case "--concurrency" -> o.concurrency = positive(arg, Integer.parseInt(value));
          case "--duration" -> o.duration = seconds(value);
          case "--warmup" -> o.warmup = seconds(value);
          case "--cpu-pids" ->
              o.cpuPids = Arrays.stream(value.split(",")).map(Long::valueOf).toList();
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      return o;
    }

    private static int positive(String name, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + " must be at least 1, but was " + value);
      }
      return value;
    }

    /** "20s", "500ms" or a number of seconds. */
    private static Duration seconds(String value) {
      if (value.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
      }
      String number = value.endsWith("s") ? value.substring(0, value.length() - 1) : value;
      return Duration.ofMillis(Math.round(Double.parseDouble(number) * 1000));
    }
  }
}
