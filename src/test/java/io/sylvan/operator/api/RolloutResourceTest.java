package io.sylvan.operator.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.sylvan.operator.fleet.RolloutPhase;
import io.sylvan.operator.fleet.RolloutPolicy;
import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutStep.Decision;
import io.sylvan.operator.fleet.RolloutStore;
import io.sylvan.operator.fleet.TestPolicies;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.TestRows;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The rollout view of {@code /status} and the rollout control endpoints, with rollout rows written
 * through the real {@link RolloutStore} as the node agents write them (nodes web-1..web-3 are other
 * agents; only their rows exist).
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@TestProfile(AuthTest.WithToken.class)
class RolloutResourceTest {

  private static final String TOKEN = "Bearer test-token";
  private static final String C0 = "a".repeat(40);
  private static final String C1 = "b".repeat(40);
  private static final RolloutPolicy ONE_BY_ONE = TestPolicies.canaryThen(1);

  @Inject RolloutStore store;

  @Test
  void statusShowsNoRolloutForAnEnvironmentThatNeverHadOne() {
    String env = TestRows.environment();

    given().get("/status/" + env).then().statusCode(200).body("rollout", nullValue());
    given()
        .get("/status")
        .then()
        .statusCode(200)
        .body("environments.find { it.name == '" + env + "' }.rollout", nullValue());
  }

  @Test
  void statusShowsTheRolloutWithEveryNodesProgressAsTheAgentsRecordIt() throws Exception {
    String env = fleetEnvironment();
    RolloutState r = store.ensure(env, C1, C0, List.of("web-1", "web-2", "web-3"), ONE_BY_ONE);
    assertThat(store.admit(r.id(), "web-1", C0).decision()).isEqualTo(Decision.PROCEED);
    assertThat(store.checkBuild(r.id(), "web-1", "build-1", "digest-1").decision())
        .isEqualTo(Decision.PROCEED);
    store.healthy(r.id(), "web-1");

    JsonPath json = given().get("/status/" + env).then().statusCode(200).extract().jsonPath();

    assertThat(json.getLong("rollout.id")).isEqualTo(r.id());
    assertThat(json.getString("rollout.commit")).isEqualTo(C1);
    assertThat(json.getString("rollout.previousCommit")).isEqualTo(C0);
    assertThat(json.getString("rollout.phase")).isEqualTo("progressing");
    assertThat(json.getInt("rollout.currentWave")).isZero();
    assertThat(json.getInt("rollout.waves")).isEqualTo(3);
    assertThat(Instant.parse(json.getString("rollout.startedAt"))).isBefore(Instant.now());
    assertThat(json.getString("rollout.finishedAt")).isNull();
    String web1 = "rollout.nodes.find { it.name == 'web-1' }.";
    assertThat(json.getString(web1 + "state")).isEqualTo("healthy");
    assertThat(json.getInt(web1 + "wave")).isZero();
    assertThat(json.getString(web1 + "startedAt")).isNotNull();
    assertThat(json.getString(web1 + "healthyAt")).isNotNull();
    assertThat(json.getString("rollout.nodes.find { it.name == 'web-3' }.state"))
        .isEqualTo("pending");
    // nodes[]: the node with a row, and the rollout's nodes without one, each with its state.
    assertThat(json.getString("nodes.find { it.name == 'web-2' }.rolloutState"))
        .isEqualTo("pending");
    assertThat(json.getString("nodes.find { it.name == 'web-1' }.rolloutState"))
        .isEqualTo("healthy");
    assertThat(json.getString("nodes.find { it.name == '" + TestRows.node() + "' }.rolloutState"))
        .isNull();
    given()
        .get("/status")
        .then()
        .statusCode(200)
        .body(
            "environments.find { it.name == '" + env + "' }.rollout.phase", equalTo("progressing"));
  }

  @Test
  void statusNamesTheNodeStepAndReasonThatStoppedARollout() throws Exception {
    String env = fleetEnvironment();
    RolloutPolicy noRevert =
        new RolloutPolicy(
            ONE_BY_ONE.canary(),
            ONE_BY_ONE.maxParallel(),
            Duration.ZERO,
            Duration.ofMinutes(10),
            0,
            false);
    RolloutState r = store.ensure(env, C1, C0, List.of("web-1", "web-2"), noRevert);
    store.admit(r.id(), "web-1", C0);
    store.failed(r.id(), "web-1", "health-check", "HealthCheckFailed: /api/health answered 500");

    JsonPath json = given().get("/status/" + env).then().statusCode(200).extract().jsonPath();

    assertThat(json.getString("rollout.phase")).isEqualTo("aborted");
    assertThat(json.getString("rollout.failedNode")).isEqualTo("web-1");
    assertThat(json.getString("rollout.failedStep")).isEqualTo("health-check");
    assertThat(json.getString("rollout.failedReason")).contains("answered 500");
    assertThat(json.getInt("rollout.failures")).isEqualTo(1);
    assertThat(json.getString("rollout.finishedAt")).isNotNull();
    assertThat(json.getString("rollout.nodes.find { it.name == 'web-1' }.error"))
        .contains("health-check", "answered 500");
    assertThat(json.getString("rollout.nodes.find { it.name == 'web-2' }.state"))
        .isEqualTo("skipped");
  }

  @Test
  void pauseResumeAndAbortNeedTheTokenAndAnswerTheRollout() throws Exception {
    String env = fleetEnvironment();
    RolloutState r = store.ensure(env, C1, C0, List.of("web-1", "web-2"), ONE_BY_ONE);
    store.admit(r.id(), "web-1", C0);
    store.healthy(r.id(), "web-1");

    given().post(control(env, "pause")).then().statusCode(401);
    given()
        .header("Authorization", "Bearer wrong")
        .post(control(env, "abort"))
        .then()
        .statusCode(401);
    assertThat(store.active(env).orElseThrow().phase()).isEqualTo(RolloutPhase.PROGRESSING);

    post(env, "pause")
        .statusCode(200)
        .body("phase", equalTo("paused"))
        .body("id", equalTo((int) r.id()));
    assertThat(store.admit(r.id(), "web-2", C0).decision()).isEqualTo(Decision.WAIT);
    // Pausing a paused rollout changes nothing and is not an error.
    post(env, "pause").statusCode(200).body("phase", equalTo("paused"));
    post(env, "resume").statusCode(200).body("phase", equalTo("progressing"));
    post(env, "abort")
        .statusCode(200)
        .body("phase", equalTo("reverting"))
        .body("failedStep", equalTo("abort"))
        .body("failedReason", containsString("aborted by"))
        .body("nodes.find { it.name == 'web-2' }.state", equalTo("skipped"));
    assertThat(store.revertNeeded(r.id(), "web-1")).isTrue();

    post(env, "pause").statusCode(409).body("message", containsString("reverting"));
    post(env, "resume").statusCode(409).body("message", containsString("reverting"));
  }

  @Test
  void controlWithoutAnActiveRolloutIsA409AndOfAnUnknownEnvironmentA404() throws Exception {
    String env = fleetEnvironment();
    post(env, "pause").statusCode(409).body("message", containsString("no active rollout"));

    RolloutState r = store.ensure(env, C1, C0, List.of("web-1"), ONE_BY_ONE);
    store.admit(r.id(), "web-1", C0);
    store.healthy(r.id(), "web-1");
    store.stable(r.id(), "web-1");
    assertThat(store.latest(env).orElseThrow().phase()).isEqualTo(RolloutPhase.SUCCEEDED);

    post(env, "abort")
        .statusCode(409)
        .body("message", containsString("no active rollout"))
        .body("message", containsString("succeeded"));
    post("no-such-env-" + System.nanoTime(), "resume")
        .statusCode(404)
        .body("message", containsString("no environment named"));
  }

  @Test
  void theCanaryNodeRecordsRolloutDurationResultAndWaveLatencyMetrics() throws Exception {
    String env = fleetEnvironment();
    // This operator is the rollout's first node (its canary): it is the one that records.
    RolloutState r = store.ensure(env, C1, C0, List.of(TestRows.node()), ONE_BY_ONE);
    store.admit(r.id(), TestRows.node(), C0);
    store.healthy(r.id(), TestRows.node());
    store.stable(r.id(), TestRows.node());
    assertThat(store.latest(env).orElseThrow().phase()).isEqualTo(RolloutPhase.SUCCEEDED);

    String tag = "environment=\"" + env + "\"";
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(given().get("/q/metrics").then().statusCode(200).extract().asString())
                    .contains("sylvan_rollouts_total{" + tag + ",result=\"succeeded\"} 1.0")
                    .contains("sylvan_rollout_duration_seconds_count{" + tag)
                    .contains("sylvan_rollout_wave_latency_seconds_count{" + tag + "} 1.0"));
  }

  /** An environment row of this node and one of web-2, as two agents would have written. */
  private static String fleetEnvironment() {
    return TestRows.fleetEnvironment("web-2", C0);
  }

  private static String control(String env, String action) {
    return "/environments/" + env + "/rollout/" + action;
  }

  private static ValidatableResponse post(String env, String action) {
    return given()
        .header("Authorization", TOKEN)
        .post(control(env, action))
        .then()
        .contentType("application/json");
  }
}
