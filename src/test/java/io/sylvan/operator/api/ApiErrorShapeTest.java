package io.sylvan.operator.api;

import static io.restassured.RestAssured.given;
import static io.sylvan.operator.api.ApiErrors.assertError;
import static io.sylvan.operator.api.ApiErrors.assertNotFound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Every error the API gives is the documented JSON ({@code status}, {@code error}, {@code message},
 * and {@code parameter} for a bad parameter), and bad input is never a 500: also for what Vert.x
 * answers before JAX-RS sees the request (unknown routes, 413, 414). Runs in the profile of {@link
 * AuthTest} (a token, a PM2 that does nothing), so Quarkus starts once for both.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@TestProfile(AuthTest.WithToken.class)
class ApiErrorShapeTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TestHTTPResource("/")
  URL base;

  /** Sends the path as written: a {@code %00} must reach the server as such. */
  private static RequestSpecification raw() {
    return given().urlEncodingEnabled(false);
  }

  private static RequestSpecification rawWithToken() {
    return raw().header("Authorization", "Bearer test-token");
  }

  @Test
  void aNulByteInAnEnvironmentNameIsA400NamingTheParameterNeverA500() {
    assertError(raw().get("/status/pro%00be").then(), 400, "Bad Request", "control character")
        .body("parameter", equalTo("env"));
    assertError(
            raw().get("/deployments?env=pro%00be").then(), 400, "Bad Request", "control character")
        .body("parameter", equalTo("env"));
    assertError(
            rawWithToken().post("/environments/pro%00be/suspend").then(),
            400,
            "Bad Request",
            "control character")
        .body("parameter", equalTo("env"));
    assertError(raw().get("/status/pro%0Abe").then(), 400, "Bad Request", "control character")
        .body("parameter", equalTo("env"));
  }

  @Test
  void aBooleanParameterAcceptsOnlyTrueOrFalseAndOtherwiseIsA400NamingIt() {
    assertError(
            rawWithToken().post("/environments/production/deploy?skipHealthCheck=1").then(),
            400,
            "Bad Request",
            "true or false")
        .body("parameter", equalTo("skipHealthCheck"));
    assertError(
            rawWithToken().post("/environments/production/sync?force=maybe").then(),
            400,
            "Bad Request",
            "'maybe'")
        .body("parameter", equalTo("force"));
  }

  @Test
  void aRollbackTargetThatIsNotAHexShaIsA400NamingTo() {
    for (String to : List.of("xyz", "abc12", "..%2F..%2Fetc", "a".repeat(41), "g123456")) {
      assertError(
              rawWithToken().post("/environments/production/rollback?to=" + to).then(),
              400,
              "Bad Request",
              "7 to 40 hex")
          .body("parameter", equalTo("to"));
    }
  }

  @Test
  void anUnknownRouteIsAJson404() {
    for (String path :
        List.of(
            "/nope",
            "/status/production/extra",
            "/deployments/1/steps",
            "/status/..%2f..",
            "/status/../../etc/passwd",
            "/environments/production/explode")) {
      assertNotFound(raw().get(path).then(), "").body("error", equalTo("Not Found"));
    }
    assertNotFound(rawWithToken().post("/environments/production/explode").then(), "/environments");
  }

  @Test
  void aMethodTheRouteDoesNotTakeIsAJson405() {
    assertError(raw().delete("/status").then(), 405, "Method Not Allowed", "DELETE");
    assertError(raw().put("/deployments/1").then(), 405, "Method Not Allowed", "PUT");
    assertError(
        raw().get("/environments/production/deploy").then(), 405, "Method Not Allowed", "GET");
  }

  /**
   * A raw HTTP/1.1 exchange: the body is announced, never sent, as a client that honours the early
   * answer would do. (JDK 17's HttpClient hangs when {@code Expect: 100-continue} gets a final
   * status, JDK-8286171; a client that keeps writing may see a reset instead of the answer.)
   */
  @Test
  void aBodyOverTheLimitIsAJson413() throws Exception {
    long limit =
        ConfigProvider.getConfig()
            .getValue("quarkus.http.limits.max-body-size", MemorySize.class)
            .asLongValue();
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("POST /hooks/git HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                      + "Content-Length: "
                      + (limit + 1)
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer)
          .startsWith("HTTP/1.1 413 ")
          .containsIgnoringCase("content-type: application/json");
      JsonNode json = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
      assertThat(json.path("status").asInt()).isEqualTo(413);
      assertThat(json.path("error").asText()).isEqualTo("Content Too Large");
      assertThat(json.path("message").asText()).contains(Long.toString(limit));
    }
  }

  @Test
  void anOverlongRequestLineIsAJson414() throws Exception {
    HttpResponse<String> r =
        send(HttpRequest.newBuilder(base.toURI().resolve("/status/" + "x".repeat(20_000))).GET());
    assertJsonError(r, 414, "URI Too Long");
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    return http.send(
        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertJsonError(HttpResponse<String> r, int status, String error)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    JsonNode json = JSON.readTree(r.body());
    assertThat(json.path("status").asInt()).isEqualTo(status);
    assertThat(json.path("error").asText()).isEqualTo(error);
    assertThat(json.path("message").asText()).isNotBlank();
  }
}
