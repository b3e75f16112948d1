package io.sylvan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.pipeline.DeploymentOutcome;
import io.sylvan.operator.pipeline.DeploymentOutcome.Result;
import io.sylvan.operator.pipeline.FailureCode;
import io.sylvan.operator.pipeline.Phase;
import io.sylvan.operator.pipeline.PreparedDeployment.Kind;
import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.Reasons;
import io.sylvan.operator.state.SyncStatus;
import org.junit.jupiter.api.Test;

/** How the one status writer maps a run's outcome onto an environment row (no database). */
class StatusWriterTest {

  static final String BAD = "b".repeat(40);
  static final String GOOD = "a".repeat(40);

  @Test
  void aSigtermDuringTheAutomaticRollbackIsNoRollbackFailureAndIsReconciledAgain() {
    EnvironmentState e = row();
    StatusWriter.apply(
        e,
        outcome(
            Kind.UPDATE,
            Result.ROLLBACK_FAILED,
            null,
            failure("Running health checks", FailureCode.HEALTH_CHECK),
            new DeploymentOutcome.Rollback(
                2, GOOD, failure("Reloading PM2", FailureCode.OPERATOR_STOPPED))));

    assertThat(e.failedCommit).isEqualTo(BAD);
    assertThat(e.stalled()).isFalse();
    assertThat(e.condition(Condition.READY).orElseThrow().reason())
        .isEqualTo(Reasons.OPERATOR_RESTARTED);
    Condition reconciling = e.condition(Condition.RECONCILING).orElseThrow();
    assertThat(reconciling.status()).isTrue();
    assertThat(reconciling.reason()).isEqualTo(Reasons.OPERATOR_RESTARTED);
    assertThat(reconciling.message()).contains("reconciled again when the operator starts");
  }

  @Test
  void aFailedRollbackOfAnUnhealthyServingReleaseMarksThatReleaseFailedNotTheGoodOne() {
    EnvironmentState e = row();
    StatusWriter.apply(
        e,
        outcome(
            Kind.ROLLBACK,
            Result.ROLLBACK_FAILED,
            BAD,
            failure("Running health checks", FailureCode.HEALTH_CHECK),
            null,
            GOOD));

    assertThat(e.failedCommit).isEqualTo(BAD);
    assertThat(e.condition(Condition.STALLED).orElseThrow().reason())
        .isEqualTo(Reasons.ROLLBACK_FAILED);
    assertThat(e.condition(Condition.RECONCILING).orElseThrow().status()).isFalse();
  }

  @Test
  void aTerminalHaltMarksTheCommitFailedAndStallsWithTheCodesReason() {
    EnvironmentState e = row();
    StatusWriter.apply(
        e,
        outcome(
            Kind.UPDATE,
            Result.HALTED,
            null,
            failure("Validating environment and dependencies", FailureCode.COMMIT_NOT_FOUND),
            null));

    assertThat(e.failedCommit).isEqualTo(BAD);
    assertThat(e.sync).isEqualTo(SyncStatus.OUT_OF_SYNC);
    Condition stalled = e.condition(Condition.STALLED).orElseThrow();
    assertThat(stalled.reason()).isEqualTo(Reasons.COMMIT_NOT_FOUND);
    assertThat(stalled.message())
        .contains(BAD.substring(0, 12), StatusWriter.NOT_RETRIED)
        .containsOnlyOnce("not retried");
    assertThat(e.condition(Condition.RECONCILING).orElseThrow().status()).isFalse();
  }

  @Test
  void aStepStoppedBySigtermKeepsReconcilingWithOperatorRestarted() {
    EnvironmentState e = row();
    StatusWriter.apply(
        e,
        outcome(
            Kind.UPDATE,
            Result.HALTED,
            null,
            failure("Building application", FailureCode.OPERATOR_STOPPED),
            null));

    assertThat(e.failedCommit).isNull();
    assertThat(e.condition(Condition.RECONCILING).orElseThrow().reason())
        .isEqualTo(Reasons.OPERATOR_RESTARTED);
    assertThat(e.condition(Condition.READY).orElseThrow().reason())
        .isEqualTo(Reasons.OPERATOR_RESTARTED);
  }

  @Test
  void aRollbackThatWorkedServesTheGoodCommitAndStallsOnTheBadOne() {
    EnvironmentState e = row();
    StatusWriter.apply(
        e,
        outcome(
            Kind.UPDATE,
            Result.ROLLED_BACK,
            null,
            failure("Running health checks", FailureCode.HEALTH_CHECK),
            new DeploymentOutcome.Rollback(2, GOOD, null)));

    assertThat(e.failedCommit).isEqualTo(BAD);
    assertThat(e.actualCommit).isEqualTo(GOOD);
    assertThat(e.lastGoodCommit).isEqualTo(GOOD);
    assertThat(e.health).isEqualTo(AppHealth.HEALTHY);
    assertThat(e.condition(Condition.STALLED).orElseThrow().reason())
        .isEqualTo(Reasons.ROLLED_BACK);
  }

  @Test
  void reconcilingAndStalledNeverHoldTogether() {
    EnvironmentState e = row();
    e.markStalled(Reasons.ROLLED_BACK, "stalled");
    e.markReconciling(Reasons.PROGRESSING, "update to x");
    assertThat(e.stalled()).isFalse();
    assertThat(e.condition(Condition.RECONCILING).orElseThrow().status()).isTrue();

    e.markStalled(Reasons.ROLLBACK_FAILED, "again");
    assertThat(e.stalled()).isTrue();
    assertThat(e.condition(Condition.RECONCILING).orElseThrow().status()).isFalse();
  }

  private static EnvironmentState row() {
    EnvironmentState e = new EnvironmentState();
    e.name = "production";
    e.desiredCommit = BAD;
    e.lastGoodCommit = GOOD;
    e.markReconciling(Reasons.PROGRESSING, "update to " + BAD.substring(0, 12));
    return e;
  }

  private static DeploymentOutcome.Failure failure(String step, FailureCode code) {
    return new DeploymentOutcome.Failure(step, Phase.POST_DEPLOY, code, "boom");
  }

  private static DeploymentOutcome outcome(
      Kind kind,
      Result result,
      String replaces,
      DeploymentOutcome.Failure failure,
      DeploymentOutcome.Rollback rollback) {
    return outcome(kind, result, replaces, failure, rollback, BAD);
  }

  private static DeploymentOutcome outcome(
      Kind kind,
      Result result,
      String replaces,
      DeploymentOutcome.Failure failure,
      DeploymentOutcome.Rollback rollback,
      String commit) {
    return new DeploymentOutcome(
        1, "production", commit, kind, result, replaces, failure, "boom", false, null, rollback);
  }
}
