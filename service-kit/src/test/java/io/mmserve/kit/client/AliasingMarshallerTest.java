package io.mmserve.kit.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class AliasingMarshallerTest {
  private final AliasingMarshaller<BytesValue> marshaller =
      AliasingMarshaller.of(BytesValue.getDefaultInstance());

  @Test
  void parse_bytesFieldIsAViewOfTheArrayReadNotACopy() {
    byte[] wire = BytesValue.of(ByteString.copyFrom(new byte[] {1, 2, 3, 4})).toByteArray();

    BytesValue parsed = marshaller.parse(wire);
    wire[wire.length - 1] = 42; // only a view of the array sees this

    assertEquals(42, parsed.getValue().byteAt(3));
  }

  @Test
  void parse_ofItsOwnStream_keepsEveryFloatBitExactly() throws Exception {
    float[] values = {Float.NaN, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 1.1f, -7};
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      bytes.putFloat(v);
    }
    BytesValue message = BytesValue.of(ByteString.copyFrom(bytes.flip()));

    BytesValue parsed;
    try (InputStream stream = marshaller.stream(message)) {
      parsed = marshaller.parse(stream);
    }

    assertEquals(message, parsed);
    ByteBuffer back = parsed.getValue().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(back.getFloat()));
    }
  }

  @Test
  void aliasingRequests_parsesEveryRequestWithAliasingAndKeepsNamesAndSchema() {
    ServerServiceDefinition plain = new SimpleServiceGrpc.SimpleServiceImplBase() {}.bindService();

    ServerServiceDefinition aliased = AliasingMarshaller.aliasingRequests(plain);

    assertEquals(plain.getServiceDescriptor().getName(), aliased.getServiceDescriptor().getName());
    assertSame(
        plain.getServiceDescriptor().getSchemaDescriptor(),
        aliased.getServiceDescriptor().getSchemaDescriptor());
    assertEquals(plain.getMethods().size(), aliased.getMethods().size());
    for (ServerMethodDefinition<?, ?> method : aliased.getMethods()) {
      assertInstanceOf(
          AliasingMarshaller.class, method.getMethodDescriptor().getRequestMarshaller());
      String name = method.getMethodDescriptor().getFullMethodName();
      assertSame(plain.getMethod(name).getServerCallHandler(), method.getServerCallHandler(), name);
    }
  }

  @Test
  void parse_ofMalformedBytes_failsInternal() {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> marshaller.parse(new byte[] {10, 9, 1}));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
  }
}
