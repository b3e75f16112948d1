package io.sylvan.operator.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.HealthCheckRecord;
import io.sylvan.operator.state.HealthStatus;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.TestRows;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code GET /deployments}: paged history, filters, detail, and the 400/404 bodies. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class DeploymentResourceTest {

  @Test
  void history_is_newest_first_and_pages_with_before_and_limit() {
    List<Long> inserted = insert("production", DeploymentStatus.SUCCESS, 5);

    List<Long> first = ids(Map.of("env", "production", "limit", 2));
    assertThat(first).containsExactly(inserted.get(4), inserted.get(3));

    List<Long> second = ids(Map.of("env", "production", "limit", 2, "before", first.get(1)));
    assertThat(second).containsExactly(inserted.get(2), inserted.get(1));

    List<Long> all = ids(Map.of());
    assertThat(all).hasSizeLessThanOrEqualTo(20).isSortedAccordingTo((x, y) -> Long.compare(y, x));
    assertThat(all.get(0)).isEqualTo(inserted.get(4));
  }

  @Test
  void history_filters_by_environment_and_status() {
    long failed = insert("test", DeploymentStatus.FAILED, 1).get(0);
    long ok = insert("test", DeploymentStatus.SUCCESS, 1).get(0);
    long rolledBack = insert("production", DeploymentStatus.ROLLED_BACK, 1).get(0);

    given()
        .queryParam("env", "test")
        .queryParam("status", "failed")
        .when()
        .get("/deployments")
        .then()
        .statusCode(200)
        .body("environment", everyItem(equalTo("test")))
        .body("status", everyItem(equalTo("failed")));
    assertThat(ids(Map.of("env", "test", "status", "failed")))
        .contains(failed)
        .doesNotContain(ok, rolledBack);

    List<Long> anyRolledBack = ids(Map.of("status", "rolled_back"));
    assertThat(anyRolledBack).contains(rolledBack).doesNotContain(failed, ok);
    given()
        .queryParam("status", "rolled_back")
        .when()
        .get("/deployments")
        .then()
        .body("status", everyItem(equalTo("rolled_back")));
  }

  @Test
  void an_unknown_environment_filter_is_a_404_with_a_json_body() {
    ApiErrors.assertNotFound(
        given().queryParam("env", "staging").when().get("/deployments").then(), "staging");
  }

  @ParameterizedTest(name = "{0}={1} is a 400 naming {0}")
  @CsvSource({
    "limit, abc",
    "limit, 0",
    "limit, 100000",
    "limit, -5",
    "before, -1",
    "before, 0",
    "before, x1",
    "status, bogus"
  })
  void a_bad_query_parameter_is_a_400_with_a_json_body_naming_it(String name, String value) {
    ApiErrors.assertError(
            given().queryParam(name, value).when().get("/deployments").then(),
            400,
            "Bad Request",
            name)
        .body("parameter", equalTo(name));
  }

  @Test
  void one_deployment_comes_with_its_steps_and_health_checks() {
    long id = insert("production", DeploymentStatus.FAILED, 1).get(0);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              for (int seq = 1; seq <= 2; seq++) {
                DeploymentStepRecord s = new DeploymentStepRecord();
                s.deploymentId = id;
                s.seq = seq;
                s.name = seq == 1 ? "build" : "health-check";
                s.phase = seq == 1 ? "BUILD" : "POST_DEPLOY";
                s.status = seq == 1 ? StepStatus.COMPLETED : StepStatus.FAILED;
                s.startedAt = Instant.now();
                s.endedAt = Instant.now();
                s.durationMs = 10L * seq;
                s.output = "step " + seq;
                s.persist();
              }
              HealthCheckRecord h = new HealthCheckRecord();
              h.environment = "production";
              h.deploymentId = id;
              h.status = HealthStatus.UNHEALTHY;
              h.checks = new LinkedHashMap<>(Map.of("http", "fail"));
              h.responseTimeMs = 15L;
              h.checkedAt = Instant.now();
              h.persist();
            });

    given()
        .when()
        .get("/deployments/" + id)
        .then()
        .statusCode(200)
        .body("id", equalTo((int) id))
        .body("environment", equalTo("production"))
        .body("status", equalTo("failed"))
        .body("type", equalTo("update"))
        .body("trigger", equalTo("api"))
        .body("gitCommit", equalTo(TestRows.SHA))
        .body("steps.name", org.hamcrest.Matchers.contains("build", "health-check"))
        .body("steps.status", org.hamcrest.Matchers.contains("completed", "failed"))
        .body("steps[1].phase", equalTo("POST_DEPLOY"))
        .body("healthChecks", hasSize(1))
        .body("healthChecks[0].status", equalTo("unhealthy"))
        .body("healthChecks[0].checks.http", equalTo("fail"))
        .body("healthChecks[0].metrics.responseTime", equalTo(15));
  }

  @Test
  void the_history_list_shows_summaries_without_steps() {
    long id = insert("test", DeploymentStatus.SUCCESS, 1).get(0);
    given()
        .queryParam("env", "test")
        .queryParam("limit", 1)
        .when()
        .get("/deployments")
        .then()
        .statusCode(200)
        .body("[0].id", equalTo((int) id))
        .body("[0]", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("steps")));
  }

  @ParameterizedTest
  @CsvSource({"999999999", "abc", "-1", "1.5"})
  void an_unknown_or_malformed_id_is_a_404_with_a_json_body(String id) {
    ApiErrors.assertNotFound(given().when().get("/deployments/" + id).then(), id);
  }

  /** The ids {@code GET /deployments} answers with for these query parameters. */
  static List<Long> ids(Map<String, ?> query) {
    return given()
        .queryParams(query)
        .when()
        .get("/deployments")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getList("id", Long.class);
  }

  /** Inserts {@code count} deployments of {@code env}, oldest first; returns their ids. */
  static List<Long> insert(String env, DeploymentStatus status, int count) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              List<Long> ids = new ArrayList<>();
              for (int i = 0; i < count; i++) {
                Deployment d = TestRows.deployment(env, status);
                d.persist();
                ids.add(d.id);
              }
              return ids;
            });
  }
}
