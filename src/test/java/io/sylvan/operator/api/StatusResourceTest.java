package io.sylvan.operator.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.TestRows;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /status}: the example specs' environments as the startup recorded them. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class StatusResourceTest {

  @Test
  void the_startup_recorded_the_example_environments_from_the_spec_source() {
    List<String> names =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    EnvironmentState.listAllByName(TestRows.node()).stream()
                        .map(e -> e.name)
                        .toList());
    assertThat(names).contains("production", "test");
  }

  @Test
  void status_lists_production_and_test_with_commits_sync_health_conditions_and_spec_source() {
    JsonPath json =
        given()
            .when()
            .get("/status")
            .then()
            .statusCode(200)
            .contentType("application/json")
            .body("environments.name", hasItems("production", "test"))
            .body("specSource.source", containsString("directory"))
            .body("specSource.revision", notNullValue())
            .body("specSource.loadedAt", notNullValue())
            .extract()
            .jsonPath();
    String revision = json.getString("specSource.revision");
    for (String env : List.of("production", "test")) {
      String at = "environments.find { it.name == '" + env + "' }.";
      assertThat(json.getString(at + "desiredCommit")).matches("[0-9a-f]{40}");
      assertThat(json.getString(at + "specRevision")).isEqualTo(revision);
      assertThat(json.getString(at + "sync")).isIn("Synced", "OutOfSync", "Unknown");
      assertThat(json.getString(at + "health"))
          .isIn("Healthy", "Progressing", "Degraded", "Missing", "Unknown");
      assertThat(json.getList(at + "conditions")).isNotNull();
      assertThat(json.getBoolean(at + "suspended")).isFalse();
      assertThat(json.getString(at + "appName")).startsWith("sylvan-app");
    }
  }

  @Test
  void status_of_one_environment_answers_with_that_environment() {
    given()
        .when()
        .get("/status/test")
        .then()
        .statusCode(200)
        .body("name", equalTo("test"))
        .body("desiredCommit", matchesPattern("[0-9a-f]{40}"))
        .body("specRevision", notNullValue())
        .body("sync", notNullValue())
        .body("health", notNullValue());
  }

  @Test
  void status_of_an_unknown_environment_is_a_404_with_a_json_body() {
    ApiErrors.assertNotFound(given().when().get("/status/staging").then(), "staging");
  }

  @Test
  void the_openapi_document_describes_status_and_deployments() {
    given()
        .queryParam("format", "json")
        .when()
        .get("/q/openapi")
        .then()
        .statusCode(200)
        .body("paths", org.hamcrest.Matchers.hasKey("/status"))
        .body("paths", org.hamcrest.Matchers.hasKey("/status/{env}"))
        .body("paths", org.hamcrest.Matchers.hasKey("/deployments"))
        .body("paths", org.hamcrest.Matchers.hasKey("/deployments/{id}"))
        .body(
            "paths.'/deployments'.get.parameters.name",
            hasItems("env", "status", "limit", "before"));
  }
}
