package io.sylvan.operator.reconcile;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sylvan.operator.pipeline.ToolboxProducer;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.TestRows;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * GitOps end to end: people deploy by committing a commit hash to {@code deploy-specs/<env>.yaml}
 * in a real git repository; the operator notices, deploys, rolls a bad commit back and leaves it
 * alone, corrects drift, and honours a manual rollback while automation stays on.
 */
@QuarkusTest
@TestProfile(GitOpsProfile.class)
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GitOpsReconcileTest {

  static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(3);
  static String commitB;
  static String firstBad;

  @Inject ToolboxProducer tools;

  @Test
  @Order(1)
  void deploysTheCommitNamedInTheSpecWithoutAnyApiCall() throws Exception {
    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                "Synced".equals(env().sync.wire())
                    && GitOpsProfile.COMMIT_A.equals(env().actualCommit));
    assertThat(servedCommit()).isEqualTo(GitOpsProfile.COMMIT_A);
    EnvironmentState e = env();
    assertThat(e.health.wire()).isEqualTo("Healthy");
    assertThat(e.lastGoodCommit).isEqualTo(GitOpsProfile.COMMIT_A);
    assertThat(e.specRevision).hasSize(40);
    assertThat(e.condition("Ready").orElseThrow().status()).isTrue();
  }

  @Test
  @Order(2)
  void rollsBackABrokenCommitAndDoesNotRetryIt() throws Exception {
    // Passes the pre-traffic preview, fails after the switch.
    String bad = GitOpsProfile.APP_REPO.commitUnhealthyAfterSwitch();
    firstBad = bad;
    double commitDrifts = metric("sylvan_drift_detected_total", "kind=\"commit\"");
    GitOpsProfile.commitSpec(bad, "");

    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> bad.equals(env().failedCommit) && "RolledBack".equals(stalledReason()));
    assertThat(servedCommit()).isEqualTo(GitOpsProfile.COMMIT_A);
    EnvironmentState e = env();
    assertThat(e.condition("Stalled").orElseThrow().message()).contains(bad.substring(0, 12));
    assertThat(e.sync.wire()).isEqualTo("OutOfSync");
    long attempts = deploymentsOf(bad);
    double reconciles = metric("sylvan_reconcile_duration_seconds_count", "");
    // Several reconcile intervals later, the bad commit has not been tried again.
    Thread.sleep(12_000);
    assertThat(deploymentsOf(bad)).isEqualTo(attempts).isEqualTo(1);
    assertThat(servedCommit()).isEqualTo(GitOpsProfile.COMMIT_A);
    // Each of those stalled ticks saw the commit drift again: still one drift episode.
    assertThat(metric("sylvan_reconcile_duration_seconds_count", "") - reconciles)
        .isGreaterThanOrEqualTo(2);
    assertThat(metric("sylvan_drift_detected_total", "kind=\"commit\"") - commitDrifts)
        .isEqualTo(1);
    // The runbook's RolledBack row: the ticks since kept Ready on the failure (the loop does not
    // correct this drift), never DriftDetected; the good release serves healthy.
    EnvironmentState later = env();
    assertThat(readyReason()).isEqualTo("RolledBack");
    assertThat(later.condition("Ready").orElseThrow().status()).isFalse();
    assertThat(later.health.wire()).isEqualTo("Healthy");

    // Alerts: deployment failed and rollback done, each delivered once for this commit, the
    // first attempt (answered 503) retried.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> delivered("deployment_failed", bad) == 1 && delivered("rollback_done", bad) == 1);
    assertThat(GitOpsProfile.ALERTS.received()).anyMatch(r -> !r.accepted());
    assertThat(GitOpsProfile.ALERTS.received())
        .filteredOn(r -> bad.equals(r.body().path("commit").asText()))
        .allMatch(r -> r.body().path("text").asText().contains("[sylvan] " + GitOpsProfile.ENV));
    Thread.sleep(3_000);
    assertThat(delivered("rollback_done", bad)).isEqualTo(1);
  }

  static long delivered(String event, String commit) {
    return GitOpsProfile.ALERTS.received().stream()
        .filter(AlertRecorder.Received::accepted)
        .filter(r -> event.equals(r.body().path("event").asText()))
        .filter(r -> commit.equals(r.body().path("commit").asText()))
        .count();
  }

  @Test
  @Order(3)
  void describesOnlyTheSecondFailedCommitInTheStalledCondition() throws Exception {
    String first = firstBad.substring(0, 12);
    String broken = GitOpsProfile.APP_REPO.commitBuildFailure();
    GitOpsProfile.commitSpec(broken, "");

    // Once the next commit is being deployed, the first one's failure stalls nothing.
    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> deploymentsOf(broken) > 0);
    assertThat(stalledMessage()).doesNotContain(first);
    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> broken.equals(env().failedCommit) && "DeploymentFailed".equals(stalledReason()));
    // Later reconciles of the failed commit keep describing it, and only it.
    Thread.sleep(3_000);
    assertThat(stalledMessage()).contains(broken.substring(0, 12)).doesNotContain(first);
    assertThat(servedCommit()).isEqualTo(GitOpsProfile.COMMIT_A);
  }

  @Test
  @Order(4)
  void haltsACommitThatFailsItsPreviewAndDoesNotRetryIt() throws Exception {
    String bad = GitOpsProfile.APP_REPO.commitUnhealthy();
    GitOpsProfile.commitSpec(bad, "");

    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> bad.equals(env().failedCommit) && "PreviewFailed".equals(stalledReason()));
    assertThat(servedCommit()).isEqualTo(GitOpsProfile.COMMIT_A);
    assertThat(stalledMessage()).contains(bad.substring(0, 12)).contains("answered 500");
    // Several reconcile intervals later, the commit has not been tried again.
    Thread.sleep(8_000);
    assertThat(deploymentsOf(bad)).isEqualTo(1);
    assertThat(servedCommit()).isEqualTo(GitOpsProfile.COMMIT_A);
  }

  @Test
  @Order(5)
  void deploysTheNextGoodCommit() throws Exception {
    commitB = GitOpsProfile.APP_REPO.commitChange("B");
    GitOpsProfile.commitSpec(commitB, "");
    awaitServing(commitB);
    EnvironmentState e = env();
    assertThat(e.failedCommit).isNull();
    assertThat(e.condition("Stalled").orElseThrow().status()).isFalse();
  }

  @Test
  @Order(6)
  void restoresAnAppStoppedOutOfBandWithoutRebuilding() throws Exception {
    long before = lastDeploymentId();
    tools.pm2().stop(GitOpsProfile.APP);
    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                lastDeploymentId() > before
                    && instancesOnline() == 2
                    && "Synced".equals(env().sync.wire()));
    long fix = lastDeploymentId();
    assertThat(stepNames(fix)).doesNotContain("Building application", "Installing dependencies");
    assertThat(servedCommit()).isEqualTo(commitB);
  }

  @Test
  @Order(7)
  void onlyReportsDriftInWarnMode() throws Exception {
    String revision = GitOpsProfile.commitSpec(commitB, "    mode: warn\n");
    await().atMost(Duration.ofSeconds(30)).until(() -> revision.equals(env().specRevision));
    long before = lastDeploymentId();
    tools.pm2().stop(GitOpsProfile.APP);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> "DriftReported".equals(readyReason()));
    Thread.sleep(8_000);
    assertThat(lastDeploymentId()).isEqualTo(before);
    assertThat(instancesOnline()).isZero();
    // Back to enforce: corrected again.
    GitOpsProfile.commitSpec(commitB, "");
    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> instancesOnline() == 2 && "Synced".equals(env().sync.wire()));
  }

  @Test
  @Order(8)
  void keepsAManualRollbackWhileAutomationStaysOnUntilTheSpecChanges() throws Exception {
    given().post("/environments/" + GitOpsProfile.ENV + "/rollback").then().statusCode(401);
    given()
        .header("Authorization", "Bearer " + GitOpsProfile.TOKEN)
        .queryParam("to", GitOpsProfile.COMMIT_A)
        .queryParam("reason", "500s on /checkout\nsince the last deploy")
        .post("/environments/" + GitOpsProfile.ENV + "/rollback")
        .then()
        .statusCode(400)
        .body("message", org.hamcrest.Matchers.containsString("control character"));
    given()
        .header("Authorization", "Bearer " + GitOpsProfile.TOKEN)
        .queryParam("to", GitOpsProfile.COMMIT_A)
        .queryParam("reason", "  500s on /checkout since the last deploy ")
        .post("/environments/" + GitOpsProfile.ENV + "/rollback")
        .then()
        .statusCode(202);
    awaitServing(GitOpsProfile.COMMIT_A);
    // The API's reason, trimmed, on the rollback's row and in the history.
    given()
        .get("/deployments?env=" + GitOpsProfile.ENV + "&limit=1")
        .then()
        .statusCode(200)
        .body("[0].type", org.hamcrest.Matchers.equalTo("rollback"))
        .body(
            "[0].reason", org.hamcrest.Matchers.equalTo("500s on /checkout since the last deploy"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "ManualRollbackPinned".equals(readyReason()));
    Thread.sleep(8_000);
    assertThat(servedCommit()).isEqualTo(GitOpsProfile.COMMIT_A);
    assertThat(env().pinnedCommit).isEqualTo(GitOpsProfile.COMMIT_A);

    String commitC = GitOpsProfile.APP_REPO.commitChange("C");
    GitOpsProfile.commitSpec(commitC, "");
    awaitServing(commitC);
    assertThat(env().pinnedCommit).isNull();
  }

  @Test
  @Order(9)
  void acceptsTheGitWebhookOnlyWithAValidSignature() throws Exception {
    String body = "{\"ref\":\"refs/heads/main\"}";
    given().body(body).post("/hooks/git").then().statusCode(401);
    given()
        .header("X-Hub-Signature-256", "sha256=" + "0".repeat(64))
        .body(body)
        .post("/hooks/git")
        .then()
        .statusCode(401);
    given()
        .header("X-Hub-Signature-256", "sha256=" + hmac(GitOpsProfile.WEBHOOK_SECRET, body))
        .body(body)
        .post("/hooks/git")
        .then()
        .statusCode(202);
  }

  @Test
  @Order(10)
  void givesEverySylvanMetricANonEmptyHelp() {
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    java.util.Map<String, String> help = new java.util.HashMap<>();
    String family = null;
    List<String> withoutHelp = new java.util.ArrayList<>();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("# HELP sylvan_")) {
        String[] parts = line.split(" ", 4);
        help.put(parts[2], parts.length > 3 ? parts[3].strip() : "");
      } else if (line.startsWith("# TYPE ")) {
        family = line.split(" ")[2];
      } else if (line.startsWith("sylvan_")
          && (family == null || help.getOrDefault(family, "").isEmpty())) {
        withoutHelp.add(line);
      }
    }
    assertThat(help)
        .containsKeys(
            "sylvan_environment_synced",
            "sylvan_environment_healthy",
            "sylvan_drift_detected",
            "sylvan_deployments");
    assertThat(help).allSatisfy((name, text) -> assertThat(text).as(name).isNotBlank());
    assertThat(withoutHelp).isEmpty();
  }

  @Test
  @Order(10)
  void exposesDeploymentRollbackDriftAndStatusMetrics() {
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    String env = "environment=\"" + GitOpsProfile.ENV + "\"";
    assertThat(metrics)
        .contains("sylvan_deployments_total{" + env)
        .contains("sylvan_deployment_duration_seconds_bucket{" + env)
        .contains("sylvan_drift_detected_total{" + env)
        .contains("sylvan_reconcile_duration_seconds_count{" + env)
        .contains("sylvan_environment_synced{" + env)
        .contains("sylvan_environment_healthy{" + env)
        .contains("sylvan_last_successful_deployment_timestamp_seconds{" + env)
        .contains("sylvan_rollbacks_total{" + env)
        .contains("sylvan_time_to_rollback_seconds_count{" + env);
  }

  @Test
  @Order(11)
  void refusesMutatingCallsWithoutTheRightToken() {
    for (String action : List.of("sync", "suspend", "resume", "rollback", "deploy")) {
      given().post("/environments/" + GitOpsProfile.ENV + "/" + action).then().statusCode(401);
      given()
          .header("Authorization", "Bearer wrong")
          .post("/environments/" + GitOpsProfile.ENV + "/" + action)
          .then()
          .statusCode(401);
    }
    assertThat(env().suspended).isFalse();
    given()
        .header("Authorization", "Bearer " + GitOpsProfile.TOKEN)
        .post("/environments/" + GitOpsProfile.ENV + "/suspend")
        .then()
        .statusCode(200);
    assertThat(env().suspended).isTrue();
    given()
        .header("Authorization", "Bearer " + GitOpsProfile.TOKEN)
        .post("/environments/" + GitOpsProfile.ENV + "/resume")
        .then()
        .statusCode(200);
    assertThat(env().suspended).isFalse();
  }

  @Test
  @Order(12)
  void refusesARollbackToTheServingCommitWithoutPinningIt() throws Exception {
    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> "Synced".equals(env().sync.wire()));
    String serving = env().actualCommit;
    assertThat(servedCommit()).isEqualTo(serving);
    long before = lastDeploymentId();

    given()
        .header("Authorization", "Bearer " + GitOpsProfile.TOKEN)
        .post("/environments/" + GitOpsProfile.ENV + "/rollback?to=" + serving.substring(0, 12))
        .then()
        .statusCode(409)
        .body(
            "message",
            org.hamcrest.Matchers.containsString("already serves " + serving.substring(0, 12)));
    // A few reconciles later: not pinned, still in sync, nothing deployed.
    Thread.sleep(3_000);
    EnvironmentState e = env();
    assertThat(e.pinnedCommit).isNull();
    assertThat(e.sync.wire()).isEqualTo("Synced");
    assertThat(readyReason()).isNotEqualTo("ManualRollbackPinned");
    assertThat(lastDeploymentId()).isEqualTo(before);
  }

  // --- helpers

  /** The sum of a metric's samples for this environment whose labels contain {@code labels}. */
  static double metric(String name, String labels) {
    String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
    String env = "environment=\"" + GitOpsProfile.ENV + "\"";
    return text.lines()
        .filter(l -> l.startsWith(name + "{") && l.contains(env) && l.contains(labels))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  void awaitServing(String commit) {
    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> commit.equals(env().actualCommit) && commit.equals(servedCommit()));
  }

  static EnvironmentState env() {
    return QuarkusTransaction.requiringNew()
        .call(() -> EnvironmentState.findByName(GitOpsProfile.ENV, TestRows.node()).orElseThrow());
  }

  static String stalledReason() {
    return env().condition("Stalled").filter(c -> c.status()).map(c -> c.reason()).orElse(null);
  }

  /** The Stalled condition's message while it is true, else "". */
  static String stalledMessage() {
    return env().condition("Stalled").filter(c -> c.status()).map(c -> c.message()).orElse("");
  }

  static String readyReason() {
    return env().condition("Ready").map(c -> c.reason()).orElse(null);
  }

  static long deploymentsOf(String commit) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                Deployment.count("environment = ?1 and gitCommit = ?2", GitOpsProfile.ENV, commit));
  }

  static long lastDeploymentId() {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                Deployment.findLatest(GitOpsProfile.ENV, TestRows.node())
                    .map(d -> d.id)
                    .orElse(0L));
  }

  static List<String> stepNames(long id) {
    return QuarkusTransaction.requiringNew()
        .call(() -> DeploymentStepRecord.findByDeployment(id).stream().map(s -> s.name).toList());
  }

  long instancesOnline() {
    return Pm2Process.byName(tools.pm2().jlist(), GitOpsProfile.APP).stream()
        .filter(Pm2Process::online)
        .count();
  }

  static String servedCommit() {
    return AppProbe.servedCommit(GitOpsProfile.PORT);
  }

  static String hmac(String secret, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
  }
}
