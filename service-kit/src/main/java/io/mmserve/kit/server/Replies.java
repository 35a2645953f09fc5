package io.mmserve.kit.server;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.mmserve.kit.errors.StatusMapper;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes a unary call's {@link StreamObserver} from the outcome of its work, the same way in
 * every service: {@code onNext} and {@code onCompleted} on success; {@code onError} with a status
 * made by {@link StatusMapper} on failure (never a non-status exception, which a client would see
 * as {@code UNKNOWN}).
 *
 * <p>Cancellation is honoured: when the client cancels the call (or its deadline passes), the
 * future is cancelled, so the work behind it can stop, and nothing is sent any more.
 *
 * <p>Call these from the service method itself, before it returns: grpc-java accepts a cancel
 * handler only then. The reply is sent on the thread that completes the future.
 */
public final class Replies {
  private static final Logger log = LoggerFactory.getLogger(Replies.class);

  private Replies() {}

  /** Replies with {@code answer}'s outcome once it completes; cancels it if the client cancels. */
  public static <T> void whenDone(CompletableFuture<? extends T> answer, StreamObserver<T> out) {
    whenDone(answer, response -> response, out);
  }

  /**
   * Replies with {@code answer}'s value translated by {@code toResponse}, or with the failure of
   * either, once {@code answer} completes; cancels {@code answer} if the client cancels.
   */
  public static <R, T> void whenDone(
      CompletableFuture<R> answer,
      Function<? super R, ? extends T> toResponse,
      StreamObserver<T> out) {
    cancelWithCall(answer, out);
    answer.whenComplete(
        (result, error) -> {
          if (error != null) {
            send(out, null, error);
          } else {
            now(() -> toResponse.apply(result), out);
          }
        });
  }

  /** Replies with {@code answer}'s outcome once it completes; cancels it if the client cancels. */
  public static <T> void whenDone(ListenableFuture<? extends T> answer, StreamObserver<T> out) {
    cancelWithCall(answer, out);
    answer.addListener(() -> sendOutcome(answer, out), MoreExecutors.directExecutor());
  }

  /** Computes the response on the calling thread and replies with it or with its failure. */
  public static <T> void now(Supplier<? extends T> answer, StreamObserver<T> out) {
    T response;
    try {
      response = answer.get();
    } catch (RuntimeException e) {
      send(out, null, e);
      return;
    }
    send(out, response, null);
  }

  private static void cancelWithCall(Future<?> answer, StreamObserver<?> out) {
    if (out instanceof ServerCallStreamObserver<?> call) {
      call.setOnCancelHandler(() -> answer.cancel(false));
    }
  }

  private static <T> void sendOutcome(ListenableFuture<? extends T> answer, StreamObserver<T> out) {
    T response = null;
    Throwable error = null;
    try {
      response = answer.get(); // done: never blocks
    } catch (ExecutionException e) {
      error = e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // cannot happen for a done future; keep the flag
      error = e;
    } catch (RuntimeException e) { // CancellationException
      error = e;
    }
    send(out, response, error);
  }

  private static <T> void send(StreamObserver<T> out, T response, Throwable error) {
    if (out instanceof ServerCallStreamObserver<?> call && call.isCancelled()) {
      return; // the client has gone: nothing can be sent
    }
    try {
      if (error != null) {
        out.onError(StatusMapper.toStatusException(error));
      } else {
        out.onNext(response);
        out.onCompleted();
      }
    } catch (RuntimeException e) {
      if (out instanceof ServerCallStreamObserver<?> call && call.isCancelled()) {
        log.debug("reply not sent; the call was cancelled meanwhile", e);
      } else {
        log.warn("reply not sent", e);
      }
    }
  }
}
