package io.sylvan.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;

/** The JSON body of every 4xx/5xx answer. {@code parameter} names the bad query parameter. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(int status, String error, String message, String parameter) {

  /** An error with the status's standard reason phrase as {@code error}. */
  public static ApiError of(int status, String message) {
    return new ApiError(status, reason(status), message, null);
  }

  public static ApiError notFound(String message) {
    return of(404, message);
  }

  public static ApiError badParameter(String parameter, String message) {
    return new ApiError(400, "Bad Request", message, parameter);
  }

  /** RFC 9110's reason phrases; JAX-RS still has the older ones for 413 and 414. */
  static String reason(int status) {
    return switch (status) {
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      default -> {
        Response.Status known = Response.Status.fromStatusCode(status);
        yield known != null ? known.getReasonPhrase() : status >= 500 ? "Server Error" : "Error";
      }
    };
  }
}
