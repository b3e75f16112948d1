package io.sylvan.operator.api;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.response.ValidatableResponse;

/** The JSON error body every 4xx answer carries. */
final class ApiErrors {

  private ApiErrors() {}

  static ValidatableResponse assertError(
      ValidatableResponse response, int status, String error, String mentions) {
    return response
        .statusCode(status)
        .contentType("application/json")
        .body("status", equalTo(status))
        .body("error", equalTo(error))
        .body("message", containsString(mentions));
  }

  static ValidatableResponse assertNotFound(ValidatableResponse response, String mentions) {
    return assertError(response, 404, "Not Found", mentions);
  }
}
