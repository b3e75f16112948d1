package io.sylvan.operator.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Mutating endpoints need the bearer token; a refused call changes nothing. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@TestProfile(AuthTest.WithToken.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class AuthTest {

  /** A token, and a PM2 that does nothing: resume reconciles, which must not reach a daemon. */
  public static class WithToken implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        return Map.of(
            "sylvan.auth.token",
            "test-token",
            "sylvan.pm2.command",
            "false",
            "sylvan.pm2.home",
            Files.createTempDirectory("sylvan-auth-pm2-").toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Test
  @Order(1)
  void suspend_without_a_token_is_a_401_with_a_json_body_and_changes_nothing() {
    given()
        .when()
        .post("/environments/production/suspend")
        .then()
        .statusCode(401)
        .contentType("application/json")
        .header("WWW-Authenticate", notNullValue())
        .body("status", equalTo(401))
        .body("error", equalTo("Unauthorized"))
        .body("message", notNullValue());
    suspended(false);
  }

  @Test
  @Order(2)
  void suspend_with_a_wrong_token_is_a_401_and_changes_nothing() {
    given()
        .header("Authorization", "Bearer test-tokenX")
        .when()
        .post("/environments/production/suspend")
        .then()
        .statusCode(401)
        .body("status", equalTo(401));
    given()
        .header("Authorization", "Basic dGVzdC10b2tlbg==")
        .when()
        .post("/environments/production/suspend")
        .then()
        .statusCode(401);
    suspended(false);
  }

  @Test
  @Order(3)
  void the_right_token_suspends_and_resumes() {
    given()
        .header("Authorization", "Bearer test-token")
        .when()
        .post("/environments/production/suspend")
        .then()
        .statusCode(200)
        .body("environment", equalTo("production"))
        .body("action", equalTo("suspend"));
    suspended(true);

    given()
        .header("Authorization", "Bearer test-token")
        .when()
        .post("/environments/production/resume")
        .then()
        .statusCode(200)
        .body("action", equalTo("resume"));
    suspended(false);
  }

  @Test
  @Order(4)
  void the_right_token_on_an_unknown_environment_is_a_404() {
    given()
        .header("Authorization", "Bearer test-token")
        .when()
        .post("/environments/staging/suspend")
        .then()
        .statusCode(404)
        .body("status", equalTo(404));
  }

  private static void suspended(boolean expected) {
    given()
        .when()
        .get("/status/production")
        .then()
        .statusCode(200)
        .body("suspended", equalTo(expected));
  }
}
