package io.sylvan.operator.health;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code /q/health/*}: the named checks, and nothing secret or host-specific in the output. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class HealthEndpointsTest {

  @Test
  void readiness_is_up_with_the_database_and_spec_source_checks() {
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body("checks.name", hasItems("database", "spec-source"))
        .body("checks.find { it.name == 'database' }.status", equalTo("UP"))
        .body("checks.find { it.name == 'spec-source' }.status", equalTo("UP"));
  }

  @Test
  void liveness_is_up_with_the_reconcile_loop_check() {
    given()
        .when()
        .get("/q/health/live")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body("checks.name", hasItems("reconcile-loop"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/q/health", "/q/health/ready", "/q/health/live", "/q/health/started"})
  void health_output_has_no_absolute_paths_and_no_password(String path) {
    String body = given().when().get(path).then().extract().asString();
    assertThat(body)
        .doesNotContain("/work")
        .doesNotContain("/tmp")
        .doesNotContain("/srv")
        .doesNotContain("/home")
        .doesNotContainIgnoringCase("password")
        .doesNotContain("postgres:postgres");
  }
}
