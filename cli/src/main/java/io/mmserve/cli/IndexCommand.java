package io.mmserve.cli;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code index DIR --collection NAME}: upserts every image file of a folder (see {@link
 * ImageFiles}) in batches of at most {@code --batch} images and {@value #MAX_BATCH_BYTES} bytes,
 * {@code --in-flight} calls at once, each on its own worker thread (owned here, shut down at the
 * end). Skipped files are listed on {@code err} as they are found, progress after each batch; the
 * summary goes to {@code out}. Ids are the files' relative paths, so running it again replaces the
 * same items.
 *
 * <p>Exit code 0 when every image was indexed, {@link EmbedCommand#CALL_FAILED} when any failed.
 */
final class IndexCommand {
  /** Keeps a batch's request under the gateway's default 64 MiB message limit. */
  static final long MAX_BATCH_BYTES = 48L << 20;

  private static final int MAX_INBOUND_MESSAGE_BYTES = 4 << 20;

  private final PrintStream out;
  private final PrintStream err;

  IndexCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  int run(IndexOptions options) throws InterruptedException {
    ImageFiles.Scan scan;
    try {
      scan = ImageFiles.scan(options.dir(), options.recursive());
    } catch (IOException e) {
      err.println("mmserve index: cannot list " + options.dir() + ": " + EmbedCommand.describe(e));
      return EmbedCommand.CALL_FAILED;
    }
    scan.skipped().forEach(s -> err.println("skipped " + s.id() + ": " + s.reason()));
    List<List<ImageFiles.Found>> batches = batches(scan.images(), options.batch(), MAX_BATCH_BYTES);
    int total = scan.images().size();
    Map<String, String> failed = new LinkedHashMap<>();
    int indexed = 0;
    long size = -1;
    ManagedChannel channel =
        GatewayChannel.open(
            options.call().target(), options.call().caFile(), MAX_INBOUND_MESSAGE_BYTES);
    ExecutorService workers = Executors.newFixedThreadPool(options.inFlight());
    try {
      IndexBatch batch = new IndexBatch(options.call().client(channel), options);
      CompletionService<IndexBatch.Result> done = new ExecutorCompletionService<>(workers);
      for (List<ImageFiles.Found> files : batches) {
        done.submit(() -> batch.upsert(files));
      }
      for (int i = 0; i < batches.size(); i++) {
        IndexBatch.Result result = result(done);
        indexed += result.indexed();
        failed.putAll(result.failed());
        size = Math.max(size, result.collectionSize());
        err.printf(
            "mmserve index: %d/%d images indexed, %d failed%n", indexed, total, failed.size());
      }
    } finally {
      workers.shutdownNow();
      channel.shutdownNow();
    }
    out.printf(
        "indexed %d images into collection %s%s; skipped %d files; failed %d%n",
        indexed,
        options.collection(),
        size >= 0 ? " (now " + size + " items)" : "",
        scan.skipped().size(),
        failed.size());
    failed.forEach((id, reason) -> out.println("failed " + id + ": " + reason));
    out.flush();
    return failed.isEmpty() ? 0 : EmbedCommand.CALL_FAILED;
  }

  /**
   * {@code files} in order, cut into batches of at most {@code maxItems} files and {@code maxBytes}
   * bytes (a larger file goes alone).
   */
  static List<List<ImageFiles.Found>> batches(
      List<ImageFiles.Found> files, int maxItems, long maxBytes) {
    List<List<ImageFiles.Found>> batches = new ArrayList<>();
    List<ImageFiles.Found> current = new ArrayList<>();
    long bytes = 0;
    for (ImageFiles.Found file : files) {
      if (!current.isEmpty() && (current.size() == maxItems || bytes + file.bytes() > maxBytes)) {
        batches.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(file);
      bytes += file.bytes();
    }
    if (!current.isEmpty()) {
      batches.add(current);
    }
    return batches;
  }

  private static IndexBatch.Result result(CompletionService<IndexBatch.Result> done)
      throws InterruptedException {
    try {
      return done.take().get();
    } catch (ExecutionException e) {
      // IndexBatch catches the call's errors; anything else is a bug worth its stack trace
      throw new IllegalStateException("an index batch failed unexpectedly", e.getCause());
    }
  }
}
