package io.sylvan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.pipeline.DeploymentOutcome;
import io.sylvan.operator.pipeline.DeploymentOutcome.Result;
import io.sylvan.operator.pipeline.FailureCode;
import io.sylvan.operator.pipeline.Phase;
import io.sylvan.operator.pipeline.PreparedDeployment;
import io.sylvan.operator.reconcile.ReconcileResult.Kind;
import io.sylvan.operator.state.Reasons;
import java.util.EnumSet;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every failure code and every pipeline result maps to one reconcile result and reason. */
class VerdictTest {

  /** What a run halted by each code leads to: the whole enum, written out. */
  static final Map<FailureCode, Verdict> HALTED =
      Map.ofEntries(
          Map.entry(FailureCode.COMMIT_NOT_FOUND, stalled(Reasons.COMMIT_NOT_FOUND)),
          Map.entry(FailureCode.NO_LOCKFILE, stalled(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.BUILD_FAILED, stalled(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.MIGRATION_FAILED, stalled(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.DB_BACKUP_FAILED, stalled(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.PREVIEW_FAILED, stalled(Reasons.PREVIEW_FAILED)),
          Map.entry(FailureCode.BUILD_MISMATCH, stalled(Reasons.BUILD_MISMATCH)),
          Map.entry(FailureCode.ROLLOUT_STOPPED, stalled(Reasons.ROLLOUT_ABORTED)),
          Map.entry(FailureCode.PREFLIGHT_FAILED, stalled(Reasons.PREFLIGHT_FAILED)),
          Map.entry(FailureCode.SOURCE_UNAVAILABLE, retry(Reasons.SOURCE_UNAVAILABLE)),
          Map.entry(FailureCode.ENV_UNREADABLE, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.MISSING_ENV, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.TARGET_NOT_WRITABLE, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.DISK_SPACE, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.MISSING_DEPENDENCY, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.CHECKOUT_FAILED, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.ENV_LINK_FAILED, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.BACKUP_FAILED, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.CLEAN_FAILED, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.SERVING_RELEASE, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.INSTALL_FAILED, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.REUSE_FAILED, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.BUILD_TIMEOUT, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.SWITCH_FAILED, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.RELOAD_FAILED, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.VERIFY_FAILED, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.HEALTH_CHECK, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.RESTORE_ENV_FAILED, retry(Reasons.ROLLBACK_FAILED)),
          Map.entry(FailureCode.INTERNAL, retry(Reasons.DEPLOYMENT_FAILED)),
          Map.entry(FailureCode.INTERRUPTED, retry(Reasons.DEPLOYMENT_INTERRUPTED)),
          Map.entry(FailureCode.OPERATOR_STOPPED, retry(Reasons.OPERATOR_RESTARTED)),
          Map.entry(FailureCode.OPERATOR_RESTARTED, retry(Reasons.OPERATOR_RESTARTED)),
          Map.entry(FailureCode.LEASE_LOST, retry(Reasons.LEASE_LOST)));

  @Test
  void theTableNamesEveryFailureCode() {
    assertThat(HALTED.keySet())
        .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(FailureCode.class));
  }

  @ParameterizedTest
  @EnumSource(FailureCode.class)
  void aRunHaltedByEachCodeIsStalledOrRetriedWithItsReason(FailureCode code) {
    assertThat(Verdict.of(outcome(Result.HALTED, code, null))).isEqualTo(HALTED.get(code));
  }

  static Stream<Arguments> results() {
    return Stream.of(
        // SIGTERM during a step: retried at the next start, not a failed deployment.
        Arguments.of(
            Result.HALTED, FailureCode.OPERATOR_STOPPED, null, retry(Reasons.OPERATOR_RESTARTED)),
        Arguments.of(Result.SUCCEEDED, null, null, requeue(Reasons.RECONCILIATION_SUCCEEDED)),
        Arguments.of(
            Result.FORCED,
            FailureCode.HEALTH_CHECK,
            null,
            requeue(Reasons.RECONCILIATION_SUCCEEDED)),
        Arguments.of(
            Result.ROLLED_BACK, FailureCode.HEALTH_CHECK, null, stalled(Reasons.ROLLED_BACK)),
        Arguments.of(
            Result.FAILED, FailureCode.RELOAD_FAILED, null, stalled(Reasons.DEPLOYMENT_FAILED)),
        Arguments.of(
            Result.ROLLBACK_FAILED,
            FailureCode.HEALTH_CHECK,
            FailureCode.RESTORE_ENV_FAILED,
            stalled(Reasons.ROLLBACK_FAILED)),
        Arguments.of(
            Result.ROLLBACK_FAILED,
            FailureCode.HEALTH_CHECK,
            FailureCode.INTERNAL,
            stalled(Reasons.ROLLBACK_FAILED)),
        // SIGTERM during the automatic rollback: not a failed rollback; tried again at start.
        Arguments.of(
            Result.ROLLBACK_FAILED,
            FailureCode.HEALTH_CHECK,
            FailureCode.OPERATOR_STOPPED,
            retry(Reasons.OPERATOR_RESTARTED)),
        // A rollback run (manual, or of an unhealthy release) that failed itself.
        Arguments.of(
            Result.ROLLBACK_FAILED,
            FailureCode.HEALTH_CHECK,
            null,
            stalled(Reasons.ROLLBACK_FAILED)));
  }

  @ParameterizedTest
  @MethodSource("results")
  void eachPipelineResultMapsToOneReconcileResult(
      Result result, FailureCode code, FailureCode rollbackCode, Verdict expected) {
    assertThat(Verdict.of(outcome(result, code, rollbackCode))).isEqualTo(expected);
  }

  @Test
  void everyPipelineResultIsInTheTable() {
    assertThat(results().map(a -> (Result) a.get()[0]).distinct())
        .containsExactlyInAnyOrder(Result.values());
  }

  private static DeploymentOutcome outcome(
      Result result, FailureCode code, FailureCode rollbackCode) {
    DeploymentOutcome.Failure failure =
        code == null ? null : new DeploymentOutcome.Failure("step", Phase.BUILD, code, "boom");
    DeploymentOutcome.Rollback rollback =
        rollbackCode == null
            ? null
            : new DeploymentOutcome.Rollback(
                2,
                "b".repeat(40),
                new DeploymentOutcome.Failure("s", Phase.ROLLBACK, rollbackCode, "x"));
    return new DeploymentOutcome(
        1,
        "production",
        "a".repeat(40),
        PreparedDeployment.Kind.UPDATE,
        result,
        null,
        failure,
        "boom",
        false,
        null,
        rollback);
  }

  private static Verdict stalled(String reason) {
    return new Verdict(Kind.STALLED, reason);
  }

  private static Verdict retry(String reason) {
    return new Verdict(Kind.RETRY, reason);
  }

  private static Verdict requeue(String reason) {
    return new Verdict(Kind.REQUEUE, reason);
  }
}
