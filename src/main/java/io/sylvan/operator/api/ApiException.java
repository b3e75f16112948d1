package io.sylvan.operator.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Thrown by resources for a 4xx answer with an {@link ApiError} body. */
public class ApiException extends RuntimeException {

  private final ApiError error;

  public ApiException(ApiError error) {
    super(error.message());
    this.error = error;
  }

  public ApiError error() {
    return error;
  }

  public static ApiException notFound(String message) {
    return new ApiException(ApiError.notFound(message));
  }

  public static ApiException badParameter(String parameter, String message) {
    return new ApiException(ApiError.badParameter(parameter, message));
  }

  public static ApiException conflict(String message) {
    return new ApiException(ApiError.of(409, message));
  }

  /** Renders {@link ApiException} as its JSON error body. */
  @Provider
  public static class Mapper implements ExceptionMapper<ApiException> {
    @Override
    public Response toResponse(ApiException e) {
      return Response.status(e.error.status())
          .type(MediaType.APPLICATION_JSON)
          .entity(e.error)
          .build();
    }
  }
}
