package io.sylvan.operator.pipeline;

import io.sylvan.operator.state.Reasons;

/**
 * Why a step or a run failed, classified where it is raised: what the reconciler does when the code
 * halts a run, and the condition reason it reports. The name is stored in {@code
 * deployment.error_code} (the seed's {@code DeploymentError.code}). Whether a failed run rolls back
 * is decided by its phase ({@link Phase#rollsBackOnFailure()}): {@link Disposition#ROLL_BACK} codes
 * are the ones raised after the new release went live.
 */
public enum FailureCode {
  // Pre-deploy and build: the commit itself is wrong and fails again the same way.
  COMMIT_NOT_FOUND(Disposition.HALT_TERMINAL, Reasons.COMMIT_NOT_FOUND),
  NO_LOCKFILE(Disposition.HALT_TERMINAL, Reasons.DEPLOYMENT_FAILED),
  BUILD_FAILED(Disposition.HALT_TERMINAL, Reasons.DEPLOYMENT_FAILED),
  MIGRATION_FAILED(Disposition.HALT_TERMINAL, Reasons.DEPLOYMENT_FAILED),
  DB_BACKUP_FAILED(Disposition.HALT_TERMINAL, Reasons.DEPLOYMENT_FAILED),
  /**
   * The new release, started beside the serving one before the switch, failed its health check: no
   * user met it. Its release directory is kept for inspection.
   */
  PREVIEW_FAILED(Disposition.HALT_TERMINAL, Reasons.PREVIEW_FAILED),
  /** The Next.js preflight found a built release that would fail users (the message names why). */
  PREFLIGHT_FAILED(Disposition.HALT_TERMINAL, Reasons.PREFLIGHT_FAILED),
  /**
   * Fleet rollouts: this node built another build id or static file set for the commit than the
   * node that built it first; switching would serve mismatched assets.
   */
  BUILD_MISMATCH(Disposition.HALT_TERMINAL, Reasons.BUILD_MISMATCH),
  /** Fleet rollouts: the rollout stopped (another node failed, or a person aborted it). */
  ROLLOUT_STOPPED(Disposition.HALT_TERMINAL, Reasons.ROLLOUT_ABORTED),

  // Pre-deploy and build: the host or the network may recover.
  SOURCE_UNAVAILABLE(Disposition.HALT_RETRY, Reasons.SOURCE_UNAVAILABLE),
  ENV_UNREADABLE(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  MISSING_ENV(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  TARGET_NOT_WRITABLE(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  DISK_SPACE(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  MISSING_DEPENDENCY(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  CHECKOUT_FAILED(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  ENV_LINK_FAILED(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  BACKUP_FAILED(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  CLEAN_FAILED(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  SERVING_RELEASE(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  INSTALL_FAILED(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  REUSE_FAILED(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  BUILD_TIMEOUT(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),

  // After going live (deploy, post-deploy) and in a rollback.
  SWITCH_FAILED(Disposition.ROLL_BACK, Reasons.DEPLOYMENT_FAILED),
  RELOAD_FAILED(Disposition.ROLL_BACK, Reasons.DEPLOYMENT_FAILED),
  VERIFY_FAILED(Disposition.ROLL_BACK, Reasons.DEPLOYMENT_FAILED),
  HEALTH_CHECK(Disposition.ROLL_BACK, Reasons.DEPLOYMENT_FAILED),
  RESTORE_ENV_FAILED(Disposition.ROLL_BACK, Reasons.ROLLBACK_FAILED),

  // Not the commit's fault.
  /** An unexpected exception in a step or in recording it. */
  INTERNAL(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_FAILED),
  /**
   * A step saw its thread interrupted (the runner reports OPERATOR_STOPPED when it was SIGTERM).
   */
  INTERRUPTED(Disposition.HALT_RETRY, Reasons.DEPLOYMENT_INTERRUPTED),
  /** The run was cut short because this operator was stopped (SIGTERM). */
  OPERATOR_STOPPED(Disposition.HALT_RETRY, Reasons.OPERATOR_RESTARTED),
  /** Crash recovery closed a run its dead operator left in progress. */
  OPERATOR_RESTARTED(Disposition.HALT_RETRY, Reasons.OPERATOR_RESTARTED),
  /**
   * The run's lease of its (environment, node) expired and another operator process took the pair
   * over: the run stopped at its next write, before its next command.
   */
  LEASE_LOST(Disposition.HALT_RETRY, Reasons.LEASE_LOST);

  /** What a failure means for the environment. */
  public enum Disposition {
    /** Halt; the commit fails again the same way, so it is not retried (Stalled). */
    HALT_TERMINAL,
    /** Halt; transient, retried with backoff. */
    HALT_RETRY,
    /** Raised once the new release serves: the last good release is put back. */
    ROLL_BACK
  }

  private final Disposition disposition;
  private final String reason;

  FailureCode(Disposition disposition, String reason) {
    this.disposition = disposition;
    this.reason = reason;
  }

  public Disposition disposition() {
    return disposition;
  }

  /** The condition reason ({@link Reasons}) that reports this failure. */
  public String reason() {
    return reason;
  }
}
