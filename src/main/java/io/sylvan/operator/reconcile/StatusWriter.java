package io.sylvan.operator.reconcile;

import io.sylvan.operator.observe.EventData;
import io.sylvan.operator.observe.Events;
import io.sylvan.operator.observe.OperatorMetrics;
import io.sylvan.operator.pipeline.DeploymentListener;
import io.sylvan.operator.pipeline.DeploymentOutcome;
import io.sylvan.operator.pipeline.FailureCode;
import io.sylvan.operator.pipeline.HealthReport;
import io.sylvan.operator.pipeline.PreparedDeployment;
import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.Reasons;
import io.sylvan.operator.state.SyncStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The one writer of an environment's status: sync, health, commits (actual, last applied, last
 * good, failed, attempted) and conditions, from what the reconciler observed and from what a
 * pipeline run did (for the reconcile loop and the API alike). The spec layer's own conditions
 * (invalid, conflict, removed) are written by {@link EnvironmentService#applySnapshot}.
 */
@ApplicationScoped
public class StatusWriter implements DeploymentListener {

  /** The no-retry rule of a failed commit, written once. */
  static final String NOT_RETRIED =
      "not retried until the spec names another commit or a person syncs";

  private static final String AT_START = "; reconciled again when the operator starts";

  @Inject EnvironmentService environments;
  @Inject OperatorMetrics metrics;
  @Inject Events events;

  @Override
  public void started(String env, DeploymentType type, String commit) {
    String what = type.wire() + " to " + Commits.short12(commit, "none");
    update(
        env,
        e -> {
          if (type != DeploymentType.ROLLBACK) {
            e.lastAttemptedCommit = commit;
          }
          // Health is the serving release's: Progressing only while nothing serves yet (a first
          // deployment, or one that puts a missing app back); a serving release keeps its health.
          e.health =
              e.health == AppHealth.UNKNOWN || e.health == AppHealth.MISSING
                  ? AppHealth.PROGRESSING
                  : e.health;
          // An earlier failure's stall no longer describes the environment once this runs.
          e.markReconciling(Reasons.PROGRESSING, what);
        });
  }

  @Override
  public void finished(DeploymentOutcome o) {
    EnvironmentState after = write(o.environment(), e -> apply(e, o));
    metrics.status(o.environment(), after.sync, after.health);
  }

  /** Maps what a run did onto the environment row. */
  static void apply(EnvironmentState e, DeploymentOutcome o) {
    switch (o.result()) {
      case SUCCEEDED -> succeeded(e, o);
      case FORCED -> forced(e, o);
      case HALTED -> halted(e, o);
      case FAILED -> notRolledBack(e, o);
      case ROLLED_BACK -> rolledBack(e, o);
      case ROLLBACK_FAILED -> rollbackFailed(e, o);
    }
  }

  private static void succeeded(EnvironmentState e, DeploymentOutcome o) {
    String commit = o.commit();
    e.actualCommit = commit;
    e.lastAppliedCommit = commit;
    if (o.healthChecked()) {
      e.lastGoodCommit = commit;
    }
    if (commit.equals(e.failedCommit) || commit.equals(e.desiredCommit)) {
      // The desired commit serves: an earlier failure no longer describes this environment.
      e.failedCommit = null;
    }
    e.sync = syncOf(e, commit);
    e.health = o.healthChecked() ? AppHealth.HEALTHY : AppHealth.UNKNOWN;
    e.markReady(
        Reasons.RECONCILIATION_SUCCEEDED,
        "commit "
            + Commits.short12(commit, "none")
            + " serves"
            + (o.healthChecked() ? " and is healthy" : " (health check skipped)"));
    e.markNotReconciling(Reasons.RECONCILIATION_SUCCEEDED, "done");
    e.clearStalled(Reasons.RECONCILIATION_SUCCEEDED, "");
  }

  private static void forced(EnvironmentState e, DeploymentOutcome o) {
    e.actualCommit = o.commit();
    e.lastAppliedCommit = o.commit();
    e.sync = syncOf(e, o.commit());
    e.health = AppHealth.DEGRADED;
    e.markNotReady(Reasons.HEALTH_CHECK_FAILED, "kept by the force option: " + o.message());
    e.markNotReconciling(Reasons.HEALTH_CHECK_FAILED, "forced");
  }

  /** The serving release was kept; the failure code says whether the commit may be tried again. */
  private static void halted(EnvironmentState e, DeploymentOutcome o) {
    DeploymentOutcome.Failure f = o.failure();
    FailureCode code = f.code();
    String stepMessage = f.step() == null ? f.message() : f.step() + ": " + f.message();
    e.sync = SyncStatus.OUT_OF_SYNC;
    if (e.health == AppHealth.PROGRESSING) {
      // Nothing was switched: back to what the serving release (if any) was.
      e.health = e.actualCommit == null ? AppHealth.MISSING : AppHealth.UNKNOWN;
    }
    switch (code.disposition()) {
      case HALT_TERMINAL -> {
        e.failedCommit = o.commit();
        // Ready names the code's reason (PreviewFailed, CommitNotFound...), as the next ticks do.
        e.markNotReady(code.reason(), stepMessage);
        e.markStalled(
            code.reason(),
            "commit "
                + Commits.short12(o.commit(), "none")
                + " failed: "
                + o.message()
                + "; "
                + NOT_RETRIED);
      }
      case HALT_RETRY, ROLL_BACK -> {
        e.markNotReady(code.reason(), stepMessage);
        if (Reasons.OPERATOR_RESTARTED.equals(code.reason())) {
          e.markReconciling(Reasons.OPERATOR_RESTARTED, stepMessage + AT_START);
        } else {
          e.markNotReconciling(
              Reasons.DEPLOYMENT_FAILED, f.phase() == null ? "halted" : "halted in " + f.phase());
        }
      }
    }
  }

  private static void notRolledBack(EnvironmentState e, DeploymentOutcome o) {
    e.failedCommit = o.commit();
    e.health = AppHealth.DEGRADED;
    e.actualCommit = null;
    e.markNotReady(Reasons.DEPLOYMENT_FAILED, o.message() + "; " + o.note());
    e.markStalled(
        Reasons.DEPLOYMENT_FAILED,
        "commit " + Commits.short12(o.commit(), "none") + " failed and " + o.note());
  }

  private static void rolledBack(EnvironmentState e, DeploymentOutcome o) {
    String good = o.rollback().commit();
    e.failedCommit = o.commit();
    e.actualCommit = good;
    e.lastAppliedCommit = good;
    e.lastGoodCommit = good;
    e.sync = syncOf(e, good);
    e.health = AppHealth.HEALTHY;
    String why = failedBecause(o) + " and was rolled back to " + Commits.short12(good, "none");
    e.markNotReady(Reasons.ROLLED_BACK, why);
    e.markStalled(Reasons.ROLLED_BACK, why + "; " + NOT_RETRIED);
  }

  private static void rollbackFailed(EnvironmentState e, DeploymentOutcome o) {
    if (o.interrupted()) {
      rollbackInterrupted(e, o);
      return;
    }
    e.health = AppHealth.DEGRADED;
    if (o.kind() == PreparedDeployment.Kind.ROLLBACK) {
      // The run was the rollback: the commit that failed is the one it replaces, when automatic.
      e.failedCommit = o.replaces() != null ? o.replaces() : o.commit();
      e.markNotReady(Reasons.ROLLBACK_FAILED, o.message());
      e.markStalled(
          Reasons.ROLLBACK_FAILED,
          "rollback to " + Commits.short12(o.commit(), "none") + " failed: " + o.message());
      return;
    }
    e.failedCommit = o.commit();
    String why =
        "commit "
            + Commits.short12(o.commit(), "none")
            + " failed and the rollback to "
            + Commits.short12(o.rollback().commit(), "none")
            + " failed too: "
            + o.message();
    e.markNotReady(Reasons.ROLLBACK_FAILED, why);
    e.markStalled(Reasons.ROLLBACK_FAILED, why + "; a person must act");
  }

  /** SIGTERM cut the automatic rollback short: not a failed rollback; retried at the next start. */
  private static void rollbackInterrupted(EnvironmentState e, DeploymentOutcome o) {
    e.failedCommit = o.commit();
    e.health = AppHealth.DEGRADED;
    String why =
        failedBecause(o)
            + "; its rollback to "
            + Commits.short12(o.rollback().commit(), "none")
            + " was cut short by the operator stopping";
    e.markNotReady(Reasons.OPERATOR_RESTARTED, why);
    e.markReconciling(Reasons.OPERATOR_RESTARTED, why + AT_START);
  }

  private static String failedBecause(DeploymentOutcome o) {
    String step = o.failure().step() + ": " + o.failure().message();
    return "commit " + Commits.short12(o.commit(), "none") + " failed (" + step + ")";
  }

  void suspended(String env) {
    update(
        env,
        e ->
            e.markNotReconciling(
                Reasons.SUSPENDED,
                e.suspendedManually ? "suspended by a person" : "suspended by the spec"));
  }

  /** A person acted: the failed commit may be tried again and a pin no longer holds. */
  void personActed(String env) {
    update(
        env,
        e -> {
          e.failedCommit = null;
          e.pinnedCommit = null;
          e.pinnedDesiredCommit = null;
          e.pinnedReason = null;
          e.clearStalled(Reasons.PROGRESSING, "a person asked for a sync");
        });
  }

  /** What serves is what is desired (or pinned); {@code health} from one check. */
  void inSync(String env, String target, boolean pinned, HealthReport health, String detail) {
    EnvironmentState after =
        write(
            env,
            e -> {
              e.actualCommit = target;
              e.sync =
                  !pinned && target.equals(e.desiredCommit)
                      ? SyncStatus.SYNCED
                      : SyncStatus.OUT_OF_SYNC;
              if (health.healthy()) {
                e.health = AppHealth.HEALTHY;
                e.lastAppliedCommit = target;
                if (pinned) {
                  e.markReady(
                      Reasons.MANUAL_ROLLBACK_PINNED,
                      "pinned to "
                          + Commits.short12(target, "none")
                          + " by a manual rollback until the spec names another commit than "
                          + Commits.short12(e.pinnedDesiredCommit, "none"));
                } else {
                  e.lastGoodCommit = target;
                  e.markReady(Reasons.RECONCILIATION_SUCCEEDED, detail + ", healthy");
                }
                e.clearStalled(Reasons.RECONCILIATION_SUCCEEDED, "");
              } else {
                e.health = AppHealth.DEGRADED;
                e.markNotReady(Reasons.HEALTH_CHECK_FAILED, health.message());
              }
              e.markNotReconciling(
                  pinned ? Reasons.MANUAL_ROLLBACK_PINNED : Reasons.RECONCILIATION_SUCCEEDED,
                  "in sync");
            });
    metrics.status(env, after.sync, after.health);
  }

  /** The serving release is unhealthy and was never good: it is the failed commit. */
  void rollingBackUnhealthy(String env, String serving) {
    update(env, e -> e.failedCommit = serving);
  }

  void sourceUnavailable(String env, String message) {
    update(
        env,
        e -> {
          e.sync = SyncStatus.OUT_OF_SYNC;
          e.markNotReady(Reasons.SOURCE_UNAVAILABLE, message);
        });
  }

  void commitNotFound(String env, String target, String message) {
    update(
        env,
        e -> {
          e.failedCommit = target;
          e.sync = SyncStatus.OUT_OF_SYNC;
          e.markNotReady(Reasons.COMMIT_NOT_FOUND, message);
          e.markStalled(Reasons.COMMIT_NOT_FOUND, message + "; " + NOT_RETRIED);
        });
  }

  /**
   * The desired commit failed before: Stalled is kept when it describes this commit's failure, else
   * written anew. Returns the reason of the stall.
   */
  String stalledOnFailedCommit(String env, EnvironmentState state, String detail) {
    String failed = Commits.short12(state.failedCommit, "none");
    String reason =
        state
            .condition(Condition.STALLED)
            .filter(c -> describes(c, failed))
            .map(Condition::reason)
            .orElse(Reasons.ROLLED_BACK);
    update(
        env,
        e -> {
          e.sync = SyncStatus.OUT_OF_SYNC;
          if (!e.condition(Condition.STALLED).map(c -> describes(c, failed)).orElse(false)) {
            e.markStalled(reason, "commit " + failed + " failed before; " + NOT_RETRIED);
          }
          // Ready tells why the desired commit does not serve: its failure, not a drift the loop
          // would correct. The failure's own message is kept while it still says so.
          boolean readySays =
              e.condition(Condition.READY)
                  .map(c -> !c.status() && reason.equals(c.reason()))
                  .orElse(false);
          if (!readySays) {
            e.markNotReady(reason, detail + "; commit " + failed + " failed before, not retried");
          }
        });
    return reason;
  }

  /** Whether the environment is Stalled by a condition that names {@code commit}. */
  boolean stallDescribes(EnvironmentState state, String commit) {
    String c = Commits.short12(commit, "none");
    return state.condition(Condition.STALLED).map(s -> describes(s, c)).orElse(false);
  }

  private static boolean describes(Condition stalled, String shortCommit) {
    return stalled.status() && stalled.message() != null && stalled.message().contains(shortCommit);
  }

  /**
   * The desired commit is not the one that failed: a Stalled condition left by that earlier failure
   * no longer describes the environment (Stalled tells about the current failure only).
   */
  void unstall(String env, EnvironmentState state, String target) {
    if (state.stalled()) {
      update(
          env,
          e ->
              e.clearStalled(
                  Reasons.PROGRESSING,
                  "reconciling " + Commits.short12(target, "none") + ", which has not failed"));
    }
  }

  /** A fleet rollout holds this node back for now (its wave, a pause). */
  void rolloutWaiting(String env, String reason, String message) {
    update(env, e -> e.markReconciling(reason, message));
  }

  /** The fleet rollout of the desired commit stopped: this node does not start it. */
  void rolloutStopped(String env, String reason, String message) {
    update(
        env,
        e -> {
          e.sync = SyncStatus.OUT_OF_SYNC;
          e.markNotReady(reason, message);
          e.markNotReconciling(reason, "rollout stopped");
          e.markStalled(reason, message);
        });
  }

  void driftReported(String env, String detail) {
    update(
        env,
        e -> {
          e.markNotReady(Reasons.DRIFT_REPORTED, detail + " (warn mode: not corrected)");
          e.markNotReconciling(Reasons.DRIFT_REPORTED, "warn mode");
        });
  }

  /**
   * What serves differs from {@code target}. Ready says DriftDetected only when the loop is about
   * to correct it: when {@code target} failed before, Ready keeps the failure's reason (written by
   * {@link #stalledOnFailedCommit}), since that commit is not retried.
   */
  void drift(String env, Observation obs, String target) {
    EnvironmentState after =
        write(
            env,
            e -> {
              e.actualCommit = obs.runningCommit().orElse(null);
              e.sync = SyncStatus.OUT_OF_SYNC;
              boolean failedBefore = target.equals(e.failedCommit);
              switch (obs.drift()) {
                case NOT_DEPLOYED -> {
                  e.health = AppHealth.MISSING;
                  e.markNotReady(Reasons.NOT_DEPLOYED, obs.detail());
                }
                case PROCESS_MISSING, PROCESS_DOWN -> {
                  e.health =
                      obs.drift() == Drift.PROCESS_MISSING ? AppHealth.MISSING : AppHealth.DEGRADED;
                  if (!failedBefore) {
                    e.markNotReady(Reasons.DRIFT_DETECTED, obs.detail());
                  }
                }
                default -> {
                  if (!failedBefore) {
                    e.markNotReady(Reasons.DRIFT_DETECTED, obs.detail());
                  }
                }
              }
            });
    metrics.status(env, after.sync, after.health);
  }

  /**
   * A transient failure: the work queue retries after {@code delay} (its backoff). Best effort (the
   * database may be down).
   */
  void retrying(String env, String reason, String message, Duration delay) {
    try {
      update(
          env, e -> e.markReconciling(reason, message + " (retry in " + delay.toSeconds() + "s)"));
    } catch (RuntimeException ignored) {
      // The database may be what failed; the retry will record it.
    }
  }

  void manualRollbackRequested(String env, String target, String desired, String reason) {
    update(env, pinned(target, desired, reason));
  }

  /**
   * A person rolled a placed environment back: every node's row is pinned to {@code target}, so
   * every agent rolls out to it through the rollout's waves. Returns the nodes pinned.
   */
  java.util.List<String> fleetRollbackRequested(
      String env, String target, String desired, String reason) {
    return environments.updateAllNodes(env, announced(env, pinned(target, desired, reason)));
  }

  private static java.util.function.Consumer<EnvironmentState> pinned(
      String target, String desired, String reason) {
    return e -> {
      e.pinnedCommit = target;
      e.pinnedDesiredCommit = desired;
      e.pinnedReason = reason;
      if (target.equals(e.failedCommit)) {
        e.failedCommit = null;
      }
      e.markReconciling(
          Reasons.MANUAL_ROLLBACK_PINNED,
          "manual rollback to " + Commits.short12(target, "none") + " requested");
    };
  }

  void suspendedByPerson(String env) {
    update(
        env,
        e -> {
          e.suspendedManually = true;
          e.suspended = true;
          e.markNotReconciling(Reasons.SUSPENDED, "suspended by a person");
        });
  }

  /**
   * Every write of status goes through here: a condition whose status or reason the change turned
   * is announced as a live event once the row is written.
   */
  private EnvironmentState update(String env, Consumer<EnvironmentState> change) {
    List<Condition> changed = new ArrayList<>();
    EnvironmentState after = environments.update(env, diffed(change, changed));
    changed.forEach(c -> publish(env, c));
    return after;
  }

  /** For {@link EnvironmentService#updateAllNodes}: each row's changes announced as it is seen. */
  private Consumer<EnvironmentState> announced(String env, Consumer<EnvironmentState> change) {
    return e -> {
      List<Condition> changed = new ArrayList<>();
      diffed(change, changed).accept(e);
      changed.forEach(c -> publish(env, c));
    };
  }

  /**
   * {@code change}, collecting into {@code changed} the conditions it turned (retries reset it).
   */
  private static Consumer<EnvironmentState> diffed(
      Consumer<EnvironmentState> change, List<Condition> changed) {
    return e -> {
      changed.clear();
      List<Condition> before = List.copyOf(e.conditions);
      change.accept(e);
      for (Condition c : e.conditions) {
        Condition was =
            before.stream().filter(b -> b.type().equals(c.type())).findFirst().orElse(null);
        if (was == null
            || was.status() != c.status()
            || !Objects.equals(was.reason(), c.reason())) {
          changed.add(c);
        }
      }
    };
  }

  private void publish(String env, Condition c) {
    events.publish(
        new EventData.ConditionChanged(
            env, c.type(), c.status(), c.reason(), c.message(), Instant.now()));
  }

  /** A change that also stamps the observation time; returns the row as written. */
  private EnvironmentState write(String env, Consumer<EnvironmentState> change) {
    return update(
        env,
        e -> {
          change.accept(e);
          e.observedAt = Instant.now();
        });
  }

  private static SyncStatus syncOf(EnvironmentState e, String serving) {
    return serving.equals(e.desiredCommit) ? SyncStatus.SYNCED : SyncStatus.OUT_OF_SYNC;
  }
}
