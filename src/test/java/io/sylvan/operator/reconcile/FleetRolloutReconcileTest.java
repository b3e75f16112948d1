package io.sylvan.operator.reconcile;

import static io.sylvan.operator.reconcile.FleetRolloutProfile.CANARY;
import static io.sylvan.operator.reconcile.FleetRolloutProfile.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sylvan.operator.fleet.RolloutNodeState;
import io.sylvan.operator.fleet.RolloutPhase;
import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutStep;
import io.sylvan.operator.fleet.RolloutStore;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentState;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * This operator is node web-2, placed after the canary web-1. No second operator runs: the test
 * writes web-1's progress through {@link RolloutStore}, as web-1's agent would on the shared
 * PostgreSQL, and watches what web-2 does with real git, npm, PM2 and the fixture app.
 */
@QuarkusTest
@TestProfile(FleetRolloutProfile.class)
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetRolloutReconcileTest {

  static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(3);
  static final FleetRolloutProfile.Placed MAIN = FleetRolloutProfile.Placed.create("fleet-main");
  static String commitB;

  @Inject RolloutStore rollouts;
  @Inject EnvironmentActions actions;

  @Test
  @Order(1)
  void waitsWhileTheCanaryIsNotStableThenDeploysAndBecomesStable() throws Exception {
    String a = FleetRolloutProfile.COMMIT_A;
    MAIN.commitSpec(a, true);

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "RolloutWaiting".equals(reconcilingReason(MAIN.env())));
    RolloutState r = rollouts.active(MAIN.env()).orElseThrow();
    assertThat(r.commit()).isEqualTo(a);
    assertThat(r.node(CANARY).orElseThrow().wave()).isZero();
    assertThat(r.node(NODE).orElseThrow().wave()).isOne();
    assertThat(reconcilingMessage(MAIN.env())).contains("wave 1 waits for wave 0");

    canaryBecomesHealthy(r.id());
    Thread.sleep(3_000);
    assertThat(deployments(MAIN.env())).as("web-1 is healthy, not stable yet").isEmpty();
    Thread.sleep(1_100);
    assertThat(rollouts.stable(r.id(), CANARY).decision()).isEqualTo(RolloutStep.Decision.DONE);
    Instant canaryStable = Instant.now();

    await().atMost(DEPLOY_TIMEOUT).until(() -> nodeState(r.id()) == RolloutNodeState.STABLE);
    List<Deployment> mine = deployments(MAIN.env());
    assertThat(mine).hasSize(1);
    assertThat(mine.get(0).node).isEqualTo(NODE);
    assertThat(mine.get(0).startedAt).isAfterOrEqualTo(canaryStable.minusSeconds(1));
    assertThat(rollouts.get(r.id()).orElseThrow().phase()).isEqualTo(RolloutPhase.SUCCEEDED);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> a.equals(AppProbe.servedCommit(MAIN.port())));
    assertThat(env(MAIN.env()).health.wire()).isEqualTo("Healthy");
    assertThat(stepNames(mine.get(0).id))
        .contains("Checking the build agrees with the other nodes");
  }

  @Test
  @Order(2)
  void aRevertingRolloutPutsThisNodeBackOnItsPreviousCommitWithoutABuild() throws Exception {
    String a = FleetRolloutProfile.COMMIT_A;
    commitB = FleetRolloutProfile.APP_REPO.commitChange("B");
    MAIN.commitSpec(commitB, true);
    RolloutState r = awaitRolloutOf(MAIN.env(), commitB);
    canaryBecomesHealthy(r.id());
    Thread.sleep(4_100);
    rollouts.stable(r.id(), CANARY);
    await().atMost(DEPLOY_TIMEOUT).until(() -> nodeState(r.id()) == RolloutNodeState.HEALTHY);
    assertThat(AppProbe.servedCommit(MAIN.port())).isEqualTo(commitB);
    long before = deployments(MAIN.env()).size();

    rollouts.abort(MAIN.env(), "the test");
    if (rollouts.revertNeeded(r.id(), CANARY)) {
      rollouts.reverted(r.id(), CANARY);
    }

    await().atMost(DEPLOY_TIMEOUT).until(() -> nodeState(r.id()) == RolloutNodeState.REVERTED);
    assertThat(AppProbe.servedCommit(MAIN.port())).isEqualTo(a);
    List<Deployment> all = deployments(MAIN.env());
    Deployment back = all.get(all.size() - 1);
    assertThat(all).hasSize((int) before + 1);
    assertThat(back.type).isEqualTo(DeploymentType.ROLLBACK);
    assertThat(back.gitCommit).isEqualTo(a);
    assertThat(stepNames(back.id)).noneMatch(s -> s.startsWith("Building"));
    assertThat(rollouts.get(r.id()).orElseThrow().phase()).isEqualTo(RolloutPhase.REVERTED);
    // It stays back: B is not retried.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> "RolloutAborted".equals(stalledReason(MAIN.env())));
    Thread.sleep(3_000);
    assertThat(deployments(MAIN.env())).hasSize((int) before + 1);
  }

  @Test
  @Order(3)
  void aBuildMismatchRecordedForTheCanaryFailsThisNodeBeforeItsSwitch() throws Exception {
    String c = FleetRolloutProfile.APP_REPO.commitChange("C");
    MAIN.commitSpec(c, true);
    RolloutState r = awaitRolloutOf(MAIN.env(), c);
    assertThat(rollouts.admit(r.id(), CANARY, commitB).decision())
        .isEqualTo(RolloutStep.Decision.PROCEED);
    assertThat(rollouts.checkBuild(r.id(), CANARY, "canary-build", "sha256:canary").decision())
        .isEqualTo(RolloutStep.Decision.PROCEED);
    rollouts.healthy(r.id(), CANARY);
    Thread.sleep(4_100);
    rollouts.stable(r.id(), CANARY);

    await().atMost(DEPLOY_TIMEOUT).until(() -> nodeState(r.id()) == RolloutNodeState.FAILED);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> "BuildMismatch".equals(stalledReason(MAIN.env())));
    assertThat(stalledMessage(MAIN.env())).contains("BuildMismatch").contains(CANARY);
    Deployment failed = deployments(MAIN.env()).get(deployments(MAIN.env()).size() - 1);
    assertThat(failed.gitCommit).isEqualTo(c);
    assertThat(failed.errorCode).isEqualTo("BUILD_MISMATCH");
    assertThat(stepNames(failed.id)).noneMatch(s -> s.startsWith("Switching"));
    assertThat(AppProbe.servedCommit(MAIN.port())).isEqualTo(FleetRolloutProfile.COMMIT_A);
  }

  @Test
  @Order(4)
  void aRolloutAbortedByAFailureOnTheCanaryNeverStartsThisNodeAndStalls() throws Exception {
    FleetRolloutProfile.Placed other = FleetRolloutProfile.Placed.create("fleet-abort");
    String a = FleetRolloutProfile.COMMIT_A;
    other.commitSpec(a, false);
    RolloutState r = awaitRolloutOf(other.env(), a);
    rollouts.admit(r.id(), CANARY, null);
    rollouts.failed(r.id(), CANARY, "Building the app", "npm run build exited with 1");

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "RolloutFailed".equals(stalledReason(other.env())));
    assertThat(stalledMessage(other.env()))
        .contains(CANARY)
        .contains("Building the app")
        .contains("npm run build exited with 1");
    Thread.sleep(4_000);
    assertThat(deployments(other.env())).isEmpty();
    assertThat(nodeState(r.id())).isEqualTo(RolloutNodeState.SKIPPED);
  }

  @Test
  @Order(5)
  void aPersonsRollbackPinsEveryNodeAndTheFleetGoesBackThroughTheCanaryFirst() throws Exception {
    FleetRolloutProfile.Placed placed = FleetRolloutProfile.Placed.create("fleet-rollback");
    String a = FleetRolloutProfile.COMMIT_A;
    String r = FleetRolloutProfile.APP_REPO.commitChange("R");
    deployThroughTheRollout(placed, a);
    deployThroughTheRollout(placed, r);
    // web-1's agent has its own row of the environment, as it would on the shared database.
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EnvironmentState e = new EnvironmentState();
              e.name = placed.env();
              e.node = CANARY;
              e.actualCommit = r;
              e.persist();
            });
    int before = deployments(placed.env()).size();

    assertThat(actions.rollback(placed.env(), null, null)).isEqualTo(a);

    assertThat(env(placed.env()).pinnedCommit).isEqualTo(a);
    assertThat(
            QuarkusTransaction.requiringNew()
                .call(() -> EnvironmentState.findByName(placed.env(), CANARY).orElseThrow())
                .pinnedCommit)
        .as("the canary's row is pinned too")
        .isEqualTo(a);
    RolloutState back = awaitRolloutOf(placed.env(), a);
    assertThat(back.node(CANARY).orElseThrow().wave()).isZero();
    Thread.sleep(2_000);
    assertThat(deployments(placed.env())).as("web-2 waits for the canary").hasSize(before);
    canaryBecomesHealthy(back.id());
    Thread.sleep(4_100);
    rollouts.stable(back.id(), CANARY);

    await()
        .atMost(DEPLOY_TIMEOUT)
        .until(
            () ->
                rollouts.get(back.id()).orElseThrow().node(NODE).orElseThrow().state()
                    == RolloutNodeState.STABLE);
    assertThat(AppProbe.servedCommit(placed.port())).isEqualTo(a);
    List<Deployment> all = deployments(placed.env());
    Deployment last = all.get(all.size() - 1);
    assertThat(all).hasSize(before + 1);
    assertThat(last.type).isEqualTo(DeploymentType.ROLLBACK);
    assertThat(last.gitCommit).isEqualTo(a);
    assertThat(stepNames(last.id)).noneMatch(n -> n.startsWith("Building"));
    assertThat(rollouts.get(back.id()).orElseThrow().phase()).isEqualTo(RolloutPhase.SUCCEEDED);
  }

  private void deployThroughTheRollout(FleetRolloutProfile.Placed placed, String commit)
      throws Exception {
    placed.commitSpec(commit, true);
    RolloutState r = awaitRolloutOf(placed.env(), commit);
    canaryBecomesHealthy(r.id());
    Thread.sleep(4_100);
    rollouts.stable(r.id(), CANARY);
    await()
        .atMost(DEPLOY_TIMEOUT)
        .until(
            () ->
                rollouts.get(r.id()).orElseThrow().node(NODE).orElseThrow().state()
                    == RolloutNodeState.STABLE);
    assertThat(AppProbe.servedCommit(placed.port())).isEqualTo(commit);
  }

  // --- helpers

  private void canaryBecomesHealthy(long rolloutId) throws Exception {
    assertThat(rollouts.admit(rolloutId, CANARY, null).decision())
        .isEqualTo(RolloutStep.Decision.PROCEED);
    assertThat(rollouts.healthy(rolloutId, CANARY).decision())
        .isEqualTo(RolloutStep.Decision.PROCEED);
  }

  private RolloutState awaitRolloutOf(String env, String commit) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                rollouts.active(env).map(r -> r.commit().equals(commit)).orElse(false)
                    && "RolloutWaiting".equals(reconcilingReason(env)));
    try {
      return rollouts.active(env).orElseThrow();
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private RolloutNodeState nodeState(long rolloutId) throws Exception {
    return rollouts.get(rolloutId).orElseThrow().node(NODE).orElseThrow().state();
  }

  static EnvironmentState env(String env) {
    return QuarkusTransaction.requiringNew()
        .call(() -> EnvironmentState.findByName(env, NODE).orElse(null));
  }

  static String reconcilingReason(String env) {
    EnvironmentState e = env(env);
    return e == null
        ? null
        : e.condition("Reconciling").filter(c -> c.status()).map(c -> c.reason()).orElse(null);
  }

  static String reconcilingMessage(String env) {
    return env(env).condition("Reconciling").map(c -> c.message()).orElse("");
  }

  static String stalledReason(String env) {
    EnvironmentState e = env(env);
    return e == null
        ? null
        : e.condition("Stalled").filter(c -> c.status()).map(c -> c.reason()).orElse(null);
  }

  static String stalledMessage(String env) {
    return env(env).condition("Stalled").filter(c -> c.status()).map(c -> c.message()).orElse("");
  }

  static List<Deployment> deployments(String env) {
    return QuarkusTransaction.requiringNew()
        .call(() -> Deployment.<Deployment>list("environment = ?1 order by id", env));
  }

  static List<String> stepNames(long id) {
    return QuarkusTransaction.requiringNew()
        .call(() -> DeploymentStepRecord.findByDeployment(id).stream().map(s -> s.name).toList());
  }
}
