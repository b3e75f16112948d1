package io.sylvan.operator.state;

/**
 * Every condition reason the operator writes, in one place (Flux style). The status model and the
 * operations runbook explain each; tests and alerts match on them.
 */
public final class Reasons {

  private Reasons() {}

  /** Desired commit serves and passed its health check. */
  public static final String RECONCILIATION_SUCCEEDED = "ReconciliationSucceeded";

  /** A pipeline run is under way. */
  public static final String PROGRESSING = "Progressing";

  /** The serving state differs from the spec; the next phase corrects it. */
  public static final String DRIFT_DETECTED = "DriftDetected";

  /** Drift seen in {@code reconcile.mode: warn}: reported, not corrected. */
  public static final String DRIFT_REPORTED = "DriftReported";

  /** Nothing of this environment has been deployed yet. */
  public static final String NOT_DEPLOYED = "NotDeployed";

  /** The spec file does not validate; see the condition message for file:line:column. */
  public static final String INVALID_SPEC = "InvalidSpec";

  /**
   * The spec file disappeared from the spec source: Ready False and Stalled True; what runs is left
   * alone (deleting a spec never stops an app).
   */
  public static final String SPEC_REMOVED = "SpecRemoved";

  /**
   * The spec takes a port, PM2 app name or target root that an environment declared in an earlier
   * file (by name) already has: never reconciled until resolved; the earlier one runs on.
   */
  public static final String SPEC_CONFLICT = "SpecConflict";

  /** The spec source (folder or git repository) could not be read; the last good view is kept. */
  public static final String SPEC_SOURCE_UNAVAILABLE = "SpecSourceUnavailable";

  /** The app's source repository could not be fetched (transient: retried with backoff). */
  public static final String SOURCE_UNAVAILABLE = "SourceUnavailable";

  /** The desired commit does not exist in the app's repository. */
  public static final String COMMIT_NOT_FOUND = "CommitNotFound";

  /** A pre-deploy or build step failed: the previous release keeps serving. */
  public static final String DEPLOYMENT_FAILED = "DeploymentFailed";

  /**
   * The desired commit failed its health check in the preview (started beside the serving release
   * before the switch): it never served; not retried until the spec names another commit.
   */
  public static final String PREVIEW_FAILED = "PreviewFailed";

  /**
   * The Next.js preflight after the build failed (Server Actions key, standalone assets, sharp):
   * nothing was switched; the message names the fix. Not retried until the spec names another
   * commit or a person syncs.
   */
  public static final String PREFLIGHT_FAILED = "PreflightFailed";

  /** The desired commit failed after going live and was rolled back; not retried. */
  public static final String ROLLED_BACK = "RolledBack";

  /** The rollback failed as well: a person must act. */
  public static final String ROLLBACK_FAILED = "RollbackFailed";

  /** A person rolled back by hand; the loop keeps that commit until the spec names another. */
  public static final String MANUAL_ROLLBACK_PINNED = "ManualRollbackPinned";

  /** Reconciliation is suspended by the spec or by a person. */
  public static final String SUSPENDED = "Suspended";

  /** A deployment was cut short because the operator stopped; reconciled again at start. */
  public static final String OPERATOR_RESTARTED = "OperatorRestarted";

  /** A run lost its database in the middle and could not record its end; closed as failed. */
  public static final String DEPLOYMENT_INTERRUPTED = "DeploymentInterrupted";

  /**
   * A run lost its lease of the (environment, node) pair (its renewals did not reach the database
   * within {@code sylvan.node.lease-expiry} and another operator process took the pair): it stopped
   * before its next command and is retried; not a failure of the commit.
   */
  public static final String LEASE_LOST = "LeaseLost";

  /** Another operator instance holds this environment's lock (transient). */
  public static final String LOCK_BUSY = "LockBusy";

  /** The health check of the serving release failed outside a deployment. */
  public static final String HEALTH_CHECK_FAILED = "HealthCheckFailed";

  /**
   * This operator may not act as its node: its lease was not renewed within {@code
   * sylvan.node.lease-expiry} (the database did not answer), or another live operator process holds
   * the node's name. No pipeline starts; serving releases are untouched.
   */
  public static final String NODE_NOT_READY = "NodeNotReady";

  /** A fleet rollout stopped: a node failed past maxFailures (the rollout names node and step). */
  public static final String ROLLOUT_FAILED = "RolloutFailed";

  /** A fleet rollout was aborted on request (API or sylvanctl). */
  public static final String ROLLOUT_ABORTED = "RolloutAborted";

  /** A newer desired commit replaced the rollout before it finished. */
  public static final String ROLLOUT_SUPERSEDED = "RolloutSuperseded";

  /** A node built a different build id or static file set for the commit than the canary. */
  public static final String BUILD_MISMATCH = "BuildMismatch";

  /** A node's lease expired while it was updating and it did not finish within the deadline. */
  public static final String LEASE_EXPIRED = "LeaseExpired";

  /** This node waits for its wave of a fleet rollout (an earlier wave is not stable yet). */
  public static final String ROLLOUT_WAITING = "RolloutWaiting";

  /** The fleet rollout is paused; this node starts when it is resumed. */
  public static final String ROLLOUT_PAUSED = "RolloutPaused";
}
