package io.mmserve.kit.client;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A protobuf marshaller whose parsed messages share the bytes they were read from: their {@code
 * bytes} fields (tensor data, image bytes) are views of the one array the message was read into
 * ({@link CodedInputStream#enableAliasing}), where grpc-java's default marshaller copies each such
 * field out of its read buffer again. Serialising is grpc-java's own.
 *
 * <p>Used for the requests of every mmserve server ({@link #aliasingRequests}, which {@code
 * GrpcServer} applies: an image's bytes reach the decoder as the array they were read into) and for
 * the answers of the gateway's encoder calls.
 *
 * <p>The array is the message's from then on: nothing else writes it, so the views stay immutable
 * as a {@code ByteString} must be. Strings are decoded as usual.
 *
 * @param <T> the message type
 */
public final class AliasingMarshaller<T extends Message> implements PrototypeMarshaller<T> {
  private final MethodDescriptor.Marshaller<T> standard;
  private final T prototype;
  private final Parser<T> parser;

  @SuppressWarnings("unchecked")
  private AliasingMarshaller(T prototype) {
    this.standard = ProtoUtils.marshaller(prototype);
    this.prototype = prototype;
    this.parser = (Parser<T>) prototype.getParserForType();
  }

  /** A marshaller of messages of {@code prototype}'s type. */
  public static <T extends Message> AliasingMarshaller<T> of(T prototype) {
    return new AliasingMarshaller<>(prototype);
  }

  /** {@code method} with its responses parsed by an {@link AliasingMarshaller}. */
  public static <Q, R extends Message> MethodDescriptor<Q, R> aliasingResponses(
      MethodDescriptor<Q, R> method, R prototype) {
    return method.toBuilder(method.getRequestMarshaller(), of(prototype)).build();
  }

  /**
   * {@code definition} with the requests of every method whose request is a protobuf message parsed
   * by an {@link AliasingMarshaller}; the same handlers, names and schema (for reflection).
   */
  public static ServerServiceDefinition aliasingRequests(ServerServiceDefinition definition) {
    ServiceDescriptor service = definition.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(service.getName())
            .setSchemaDescriptor(service.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
      ServerMethodDefinition<?, ?> aliased = aliasingRequest(method);
      descriptor.addMethod(aliased.getMethodDescriptor());
      methods.add(aliased);
    }
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(out::addMethod);
    return out.build();
  }

  @SuppressWarnings("unchecked")
  private static <Q, R> ServerMethodDefinition<Q, R> aliasingRequest(
      ServerMethodDefinition<Q, R> definition) {
    MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
    if (!(method.getRequestMarshaller() instanceof PrototypeMarshaller<Q> marshaller)
        || !(marshaller.getMessagePrototype() instanceof Message prototype)) {
      return definition;
    }
    MethodDescriptor.Marshaller<Q> aliasing = (MethodDescriptor.Marshaller<Q>) of(prototype);
    return ServerMethodDefinition.create(
        method.toBuilder(aliasing, method.getResponseMarshaller()).build(),
        definition.getServerCallHandler());
  }

  @Override
  public InputStream stream(T value) {
    return standard.stream(value);
  }

  @Override
  public T parse(InputStream stream) {
    try {
      if (stream instanceof KnownLength) {
        int size = stream.available();
        byte[] bytes = new byte[size];
        int read = 0;
        while (read < size) {
          int n = stream.read(bytes, read, size - read);
          if (n < 0) {
            break;
          }
          read += n;
        }
        if (read < size) {
          throw new IOException("the stream ended after " + read + " of " + size + " bytes");
        }
        return parse(bytes);
      }
      return standard.parse(stream); // unknown length: the default way
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("cannot read a " + prototype.getDescriptorForType().getName())
          .withCause(e)
          .asRuntimeException();
    }
  }

  /** The message in {@code bytes}, its bytes fields views of {@code bytes}, which it now owns. */
  T parse(byte[] bytes) {
    // an immutable input (which newInstance(byte[]) is not): only such an input aliases
    CodedInputStream input = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
    input.enableAliasing(true);
    input.setSizeLimit(Integer.MAX_VALUE);
    try {
      T message = parser.parseFrom(input);
      input.checkLastTagWas(0);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL
          .withDescription("Invalid protobuf byte sequence")
          .withCause(e)
          .asRuntimeException();
    }
  }

  @Override
  public T getMessagePrototype() {
    return prototype;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Class<T> getMessageClass() {
    return (Class<T>) prototype.getClass();
  }
}
