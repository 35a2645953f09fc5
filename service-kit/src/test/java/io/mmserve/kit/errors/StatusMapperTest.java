package io.mmserve.kit.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatusMapperTest {

  static Stream<Arguments> domainExceptions() {
    return Stream.of(
        Arguments.of(new InvalidInputException("texts[1]: empty"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new ModelNotFoundException("unknown model 'x'"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new ResourceLimitException("too big"), Status.Code.RESOURCE_EXHAUSTED),
        Arguments.of(new OverloadedException("queue full"), Status.Code.UNAVAILABLE),
        Arguments.of(new BackendUnavailableException("down"), Status.Code.UNAVAILABLE),
        Arguments.of(new DeadlineExceededException("late"), Status.Code.DEADLINE_EXCEEDED),
        Arguments.of(new CancelledException("gone"), Status.Code.CANCELLED),
        Arguments.of(new NotFoundException("no collection 'x'"), Status.Code.NOT_FOUND),
        Arguments.of(
            new FailedPreconditionException("holds m@1, got m@2"),
            Status.Code.FAILED_PRECONDITION));
  }

  @ParameterizedTest
  @MethodSource("domainExceptions")
  void toStatus_mapsDomainExceptionToItsCodeWithItsMessage(
      MmserveException e, Status.Code expected) {
    Status status = StatusMapper.toStatus(e);

    assertEquals(expected, status.getCode());
    assertEquals(e.getMessage(), status.getDescription());
    assertSame(e, status.getCause());
  }

  @Test
  void toStatus_passesStatusRuntimeExceptionThrough() {
    Status original = Status.PERMISSION_DENIED.withDescription("no");

    assertSame(original, StatusMapper.toStatus(original.asRuntimeException()));
  }

  @Test
  void toStatus_passesStatusExceptionThrough() {
    Status original = Status.NOT_FOUND.withDescription("no collection 'x'");

    assertSame(original, StatusMapper.toStatus(new StatusException(original)));
  }

  @Test
  void toStatus_hidesUnexpectedExceptionDetailsAsInternal() {
    Status status = StatusMapper.toStatus(new IllegalStateException("password=hunter2 at /opt/x"));

    assertEquals(Status.Code.INTERNAL, status.getCode());
    assertEquals("internal error", status.getDescription());
  }

  @Test
  void toStatus_unwrapsCompletionAndExecutionExceptions() {
    InvalidInputException cause = new InvalidInputException("images[0]: empty");

    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        StatusMapper.toStatus(new CompletionException(new ExecutionException(cause))).getCode());
  }

  @Test
  void toStatus_mapsCancellationToCancelled() {
    assertEquals(
        Status.Code.CANCELLED, StatusMapper.toStatus(new CancellationException()).getCode());
  }

  @Test
  void trailersOf_keepsTrailersOfStatusException() {
    Metadata trailers = new Metadata();
    Metadata.Key<String> key = Metadata.Key.of("retry-hint", Metadata.ASCII_STRING_MARSHALLER);
    trailers.put(key, "later");

    Metadata kept = StatusMapper.trailersOf(Status.UNAVAILABLE.asRuntimeException(trailers));

    assertEquals("later", kept.get(key));
  }

  @Test
  void toStatusException_sendsRetryPushbackOfAnOverload() {
    OverloadedException overloaded =
        new OverloadedException("text queue is full", java.time.Duration.ofMillis(250));

    var sent = StatusMapper.toStatusException(new CompletionException(overloaded));

    assertEquals(Status.Code.UNAVAILABLE, sent.getStatus().getCode());
    assertEquals(
        java.util.OptionalLong.of(250), StatusMapper.retryPushbackMillis(sent.getTrailers()));
  }

  @Test
  void trailersOf_hasNoPushbackForAnOverloadWithoutHint() {
    Metadata trailers = StatusMapper.trailersOf(new OverloadedException("busy"));

    assertEquals(java.util.OptionalLong.empty(), StatusMapper.retryPushbackMillis(trailers));
  }

  @Test
  void retryPushbackMillis_readsNegativeAndIgnoresGarbage() {
    Metadata.Key<String> key =
        Metadata.Key.of(StatusMapper.RETRY_PUSHBACK_KEY, Metadata.ASCII_STRING_MARSHALLER);
    Metadata negative = new Metadata();
    negative.put(key, "-1");
    Metadata garbage = new Metadata();
    garbage.put(key, "soon");

    assertEquals(java.util.OptionalLong.of(-1), StatusMapper.retryPushbackMillis(negative));
    assertEquals(java.util.OptionalLong.empty(), StatusMapper.retryPushbackMillis(garbage));
  }

  @Test
  void toStatusException_sendsTheFieldViolationAsBadRequest() {
    FieldViolation violation =
        FieldViolation.item("images", 2, "9000x9000 exceeds 40000000 pixels");

    StatusRuntimeException sent =
        StatusMapper.toStatusException(
            new CompletionException(new ResourceLimitException(violation)));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, sent.getStatus().getCode());
    assertEquals("images[2]: 9000x9000 exceeds 40000000 pixels", sent.getStatus().getDescription());
    assertEquals(java.util.List.of(violation), BadRequestDetails.of(sent));
  }

  @Test
  void trailersOf_hasNoDetailsForAnExceptionWithoutViolation() {
    assertEquals(
        java.util.List.of(),
        BadRequestDetails.of(
            StatusMapper.toStatusException(new InvalidInputException("images[2]: bad"))));
  }
}
