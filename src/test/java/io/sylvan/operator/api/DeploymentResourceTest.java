package io.sylvan.operator.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.HealthCheckRecord;
import io.sylvan.operator.state.HealthStatus;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.Trigger;
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

  static final String SHA = "c".repeat(40);

  @Test
  void history_is_newest_first_and_pages_with_before_and_limit() {
    List<Long> ids = insert("production", DeploymentStatus.SUCCESS, 5);

    List<Long> first =
        given()
            .queryParam("env", "production")
            .queryParam("limit", 2)
            .when()
            .get("/deployments")
            .then()
            .statusCode(200)
            .body("$", hasSize(2))
            .body("environment", everyItem(equalTo("production")))
            .extract()
            .jsonPath()
            .getList("id", Long.class);
    assertThat(first).containsExactly(ids.get(4), ids.get(3));

    List<Long> second =
        given()
            .queryParam("env", "production")
            .queryParam("limit", 2)
            .queryParam("before", first.get(1))
            .when()
            .get("/deployments")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("id", Long.class);
    assertThat(second).containsExactly(ids.get(2), ids.get(1));

    List<Long> all =
        given()
            .when()
            .get("/deployments")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("id", Long.class);
    assertThat(all).hasSizeLessThanOrEqualTo(20).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    assertThat(all.get(0)).isEqualTo(ids.get(4));
  }

  @Test
  void history_filters_by_environment_and_status() {
    long failed = insert("test", DeploymentStatus.FAILED, 1).get(0);
    long ok = insert("test", DeploymentStatus.SUCCESS, 1).get(0);
    long rolledBack = insert("production", DeploymentStatus.ROLLED_BACK, 1).get(0);

    List<Long> testFailed =
        given()
            .queryParam("env", "test")
            .queryParam("status", "failed")
            .when()
            .get("/deployments")
            .then()
            .statusCode(200)
            .body("environment", everyItem(equalTo("test")))
            .body("status", everyItem(equalTo("failed")))
            .extract()
            .jsonPath()
            .getList("id", Long.class);
    assertThat(testFailed).contains(failed).doesNotContain(ok, rolledBack);

    List<Long> anyRolledBack =
        given()
            .queryParam("status", "rolled_back")
            .when()
            .get("/deployments")
            .then()
            .statusCode(200)
            .body("status", everyItem(equalTo("rolled_back")))
            .extract()
            .jsonPath()
            .getList("id", Long.class);
    assertThat(anyRolledBack).contains(rolledBack).doesNotContain(failed, ok);
  }

  @Test
  void an_unknown_environment_filter_is_a_404_with_a_json_body() {
    given()
        .queryParam("env", "staging")
        .when()
        .get("/deployments")
        .then()
        .statusCode(404)
        .contentType("application/json")
        .body("status", equalTo(404))
        .body("error", equalTo("Not Found"))
        .body("message", containsString("staging"));
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
    given()
        .queryParam(name, value)
        .when()
        .get("/deployments")
        .then()
        .statusCode(400)
        .contentType("application/json")
        .body("status", equalTo(400))
        .body("error", equalTo("Bad Request"))
        .body("parameter", equalTo(name))
        .body("message", containsString(name));
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
        .body("gitCommit", equalTo(SHA))
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
    given()
        .when()
        .get("/deployments/" + id)
        .then()
        .statusCode(404)
        .contentType("application/json")
        .body("status", equalTo(404))
        .body("error", equalTo("Not Found"))
        .body("message", containsString(id));
  }

  /** Inserts {@code count} deployments of {@code env}, oldest first; returns their ids. */
  static List<Long> insert(String env, DeploymentStatus status, int count) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              List<Long> ids = new ArrayList<>();
              for (int i = 0; i < count; i++) {
                Deployment d = new Deployment();
                d.environment = env;
                d.type = DeploymentType.UPDATE;
                d.status = status;
                d.startedAt = Instant.now();
                d.gitCommit = SHA;
                d.trigger = Trigger.API;
                d.persist();
                ids.add(d.id);
              }
              return ids;
            });
  }
}
