package io.sylvan.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The JSON body of every 4xx/5xx answer. {@code parameter} names the bad query parameter. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(int status, String error, String message, String parameter) {

  public static ApiError notFound(String message) {
    return new ApiError(404, "Not Found", message, null);
  }

  public static ApiError badParameter(String parameter, String message) {
    return new ApiError(400, "Bad Request", message, parameter);
  }
}
