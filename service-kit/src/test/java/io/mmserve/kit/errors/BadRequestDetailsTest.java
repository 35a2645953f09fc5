package io.mmserve.kit.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import org.junit.jupiter.api.Test;

class BadRequestDetailsTest {

  @Test
  void of_readsTheViolationsThatAttachWrote() {
    Status status = Status.INVALID_ARGUMENT.withDescription("images[3]: corrupt image data");
    FieldViolation v = FieldViolation.item("images", 3, "corrupt image data").at("encoded");

    Metadata trailers = BadRequestDetails.attach(status, List.of(v), new Metadata());

    assertEquals(List.of(v), BadRequestDetails.of(status.asRuntimeException(trailers)));
  }

  @Test
  void attach_writesAGoogleRpcStatusThatAnyClientReads() throws Exception {
    Status status = Status.INVALID_ARGUMENT.withDescription("texts[1]: must not be empty");

    Metadata trailers =
        BadRequestDetails.attach(
            status, List.of(FieldViolation.item("texts", 1, "must not be empty")), new Metadata());

    com.google.rpc.Status details = StatusProto.fromThrowable(status.asRuntimeException(trailers));
    assertEquals(Status.Code.INVALID_ARGUMENT.value(), details.getCode());
    assertEquals("texts[1]: must not be empty", details.getMessage());
    BadRequest.FieldViolation sent =
        details.getDetails(0).unpack(BadRequest.class).getFieldViolations(0);
    assertEquals("texts[1]", sent.getField());
    assertEquals("must not be empty", sent.getDescription());
  }

  @Test
  void attach_replacesTheBadRequestAndKeepsOtherDetails() throws Exception {
    Status status = Status.INVALID_ARGUMENT.withDescription("images[0]: bad");
    ErrorInfo info = ErrorInfo.newBuilder().setReason("BAD_IMAGE").build();
    Metadata trailers =
        StatusProto.toStatusRuntimeException(
                com.google.rpc.Status.newBuilder()
                    .setCode(status.getCode().value())
                    .addDetails(Any.pack(info))
                    .addDetails(
                        Any.pack(
                            BadRequest.newBuilder()
                                .addFieldViolations(
                                    BadRequest.FieldViolation.newBuilder()
                                        .setField("images[4]")
                                        .setDescription("bad"))
                                .build()))
                    .build())
            .getTrailers();

    BadRequestDetails.attach(status, List.of(FieldViolation.item("images", 0, "bad")), trailers);

    com.google.rpc.Status details = StatusProto.fromThrowable(status.asRuntimeException(trailers));
    assertEquals(2, details.getDetailsCount());
    assertEquals(info, details.getDetails(0).unpack(ErrorInfo.class));
    assertEquals(
        List.of(FieldViolation.item("images", 0, "bad")),
        BadRequestDetails.of(status.asRuntimeException(trailers)));
  }

  @Test
  void of_isEmptyForAStatusWithoutDetails() {
    assertEquals(List.of(), BadRequestDetails.of(Status.INVALID_ARGUMENT.asRuntimeException()));
    assertEquals(List.of(), BadRequestDetails.of(new IllegalStateException("no status")));
  }
}
