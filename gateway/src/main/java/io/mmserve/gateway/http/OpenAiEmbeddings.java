package io.mmserve.gateway.http;

import com.google.common.util.concurrent.ListenableFuture;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.mmserve.api.v1.EmbedImageRequest;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.gateway.routing.RouteKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * OpenAI's {@code POST /v1/embeddings} in front of {@code mmserve.v1.Multimodal}: texts go to
 * EmbedText, images sent as data URLs to EmbedImage, each item routed by its kind, so one request
 * may mix them; the answers are put back in input order. The calls go through a gRPC channel to the
 * same service object and interceptors as every other route (batching, limits, metrics, request
 * log), so this class only translates JSON.
 *
 * <p>Runs each request on Armeria's blocking-task executor, where it waits for the service's
 * answers; the stub's channel belongs to the caller.
 */
final class OpenAiEmbeddings implements HttpService {
  private static final Metadata.Key<String> ROUTE_KEY =
      Metadata.Key.of(RouteKeys.HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** Where OpenAI's clients send embeddings requests (base URL {@code http://HOST:PORT/v1}). */
  static final String PATH = "/v1/embeddings";

  private final MultimodalGrpc.MultimodalFutureStub service;
  private final Duration timeout;

  /**
   * @param service a stub of the Multimodal service behind the gateway's interceptors
   * @param timeout the deadline of each call (the gateway's default deadline)
   */
  OpenAiEmbeddings(MultimodalGrpc.MultimodalFutureStub service, Duration timeout) {
    this.service = service;
    this.timeout = timeout;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    return HttpResponse.of(
        req.aggregate()
            .thenApplyAsync(
                request ->
                    answer(
                        request.contentUtf8(),
                        request.headers().get(HttpHeaderNames.AUTHORIZATION),
                        request.headers().get(RouteKeys.HEADER)),
                ctx.blockingTaskExecutor()));
  }

  /** Answers one request body without an Authorization header; never throws. */
  HttpResponse answer(String body) {
    return answer(body, null);
  }

  /**
   * Answers one request body; never throws.
   *
   * @param authorization the request's Authorization header, passed on to the gRPC call (the API
   *     key check); null if it had none
   */
  HttpResponse answer(String body, String authorization) {
    return answer(body, authorization, null);
  }

  /**
   * Answers one request body; never throws. Texts and images of one request are embedded by one
   * model version: with both, the images are pinned to the version that embedded the texts.
   *
   * @param authorization the request's Authorization header, passed on to the gRPC call (the API
   *     key check); null if it had none
   * @param routeKey the request's {@value RouteKeys#HEADER} header, passed on to the gRPC call
   *     (canary routing); null if it had none
   */
  HttpResponse answer(String body, String authorization, String routeKey) {
    try {
      EmbeddingsRequest request = EmbeddingsRequest.parse(body);
      List<EmbeddingInput> inputs = request.inputs();
      List<Integer> textAt = new ArrayList<>();
      List<Integer> imageAt = new ArrayList<>();
      EmbedTextRequest.Builder texts = EmbedTextRequest.newBuilder().setModel(request.model());
      EmbedImageRequest.Builder images = EmbedImageRequest.newBuilder().setModel(request.model());
      for (int i = 0; i < inputs.size(); i++) {
        switch (inputs.get(i)) {
          case EmbeddingInput.Text t -> {
            textAt.add(i);
            texts.addTexts(t.text());
          }
          case EmbeddingInput.Image image -> {
            imageAt.add(i);
            images.addImages(Image.newBuilder().setEncoded(image.encoded()));
          }
        }
      }
      var stub = service.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
      // the API key check and the version router behind the in-process channel read these
      Metadata headers = new Metadata();
      if (authorization != null) {
        headers.put(AUTHORIZATION, authorization);
      }
      if (routeKey != null) {
        headers.put(ROUTE_KEY, routeKey);
      }
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      EmbeddingsResponse response = new EmbeddingsResponse(inputs.size());
      if (!textAt.isEmpty()) {
        var answer = await(stub.embedText(texts.build()), "texts", textAt);
        response.add(
            answer.getModel(), answer.getModelVersion(), answer.getEmbeddingsList(), textAt);
        // one version for the whole answer, whatever the router would pick for the images
        images.setModel(answer.getModel() + "@" + answer.getModelVersion());
      }
      var imageAnswer = imageAt.isEmpty() ? null : stub.embedImage(images.build());
      if (imageAnswer != null) {
        var answer = await(imageAnswer, "images", imageAt);
        response.add(
            answer.getModel(), answer.getModelVersion(), answer.getEmbeddingsList(), imageAt);
      }
      checkDimensions(request, response.dimensions());
      return HttpResponse.of(
          HttpStatus.OK, MediaType.JSON_UTF_8, response.toJson(request.base64()));
    } catch (OpenAiException e) {
      return e.toResponse();
    }
  }

  private static <T> T await(ListenableFuture<T> answer, String field, List<Integer> inputIndex) {
    try {
      return answer.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException status) {
        throw OpenAiErrors.fromStatus(status, field, inputIndex);
      }
      throw new OpenAiException(
          HttpStatus.INTERNAL_SERVER_ERROR, "server_error", null, null, "internal error");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer.cancel(true);
      throw new OpenAiException(
          HttpStatus.SERVICE_UNAVAILABLE, "server_error", null, null, "the server is stopping");
    }
  }

  /** OpenAI shortens embeddings to {@code dimensions}; a CLIP embedding cannot be shortened. */
  private static void checkDimensions(EmbeddingsRequest request, int dimensions) {
    if (request.dimensions().isPresent() && request.dimensions().getAsInt() != dimensions) {
      throw OpenAiException.invalid(
          "dimensions",
          "dimensions "
              + request.dimensions().getAsInt()
              + " is not supported: this model embeds into "
              + dimensions
              + " dimensions (omit dimensions or send "
              + dimensions
              + ")");
    }
  }
}
